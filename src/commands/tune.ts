// `pipe tune SPEC`: search the spec's `search:` block on the validation split, then run the chosen configuration
// of each group on test (docs/tune.md). Trials and final runs are ordinary recorded runs; the tune's own rows
// (trials, scores, choices) go to the tunes tables.

import { existsSync } from 'node:fs';
import { SpecError } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { loadPlan } from '../pipeline-spec/load-plan.js';
import { loadSpec, type LoadedSpec } from '../pipeline-spec/load-spec.js';
import { overrideTarget, parseOverride } from '../pipeline-spec/overrides.js';
import type { Plan } from '../pipeline-spec/plan-types.js';
import { readSearchBlock, type SearchBlock } from '../pipeline-spec/search-block.js';
import { SpecPlaces } from '../pipeline-spec/spec-places.js';
import type { SpecFile } from '../pipeline-spec/spec-schema.js';
import { projectPaths, runPlan } from '../runner/run-plan.js';
import type { AnyStage } from '../stages/stage.js';
import { ContentDigests, type StampStore } from '../store/content-digest.js';
import { ExperimentStore } from '../store/db.js';
import { firstRung, rankBoard, runTune, type ExecutedPlan, type LeaderboardRow, type TuneRecord, type TuneResult } from '../tune/run-tune.js';
import { trialSpec } from '../tune/tune-specs.js';
import { rungResources } from '../tune/halving.js';
import { TPE_BATCH, TPE_STARTUP } from '../tune/tpe.js';
import { formatChoice, formatLeaderboard, formatTrial } from '../ui/leaderboard.js';
import { chooseReporter } from '../ui/choose-reporter.js';
import type { DashboardHandle } from '../ui/dashboard.js';
import { plainReporter } from '../ui/plain-reporter.js';
import { stageTypesFor } from './module-stages.js';

/** `pipe tune`'s options, as commander parses them. */
export interface TuneCommandOptions {
  set: string[];
  jobs: number;
  maxCells: number;
  trials?: number;
  dryRun?: boolean;
  backend?: 'node' | 'wasm' | 'cpu';
  name?: string;
  plain?: boolean;
}

const LEADERBOARD_ROWS = 5;

export async function tuneCommand(specPath: string, opts: TuneCommandOptions): Promise<number> {
  const cwd = process.cwd();
  const spec = loadSpec(specPath, cwd);
  const stages = await stageTypesFor(spec, { cwd, digest: new ContentDigests().digest });
  const places = new SpecPlaces(spec.positions, spec.file);
  const search = readSearchBlock(spec.doc, stages, places.of);
  checkOverrides(opts.set, search);
  const pathOf = (key: string) => overrideTarget(spec.doc, key, stages, { file: spec.file, key });
  const trialCount = opts.trials ?? search.trials;

  const dbPath = projectPaths(cwd).db;
  // A dry run writes nothing, not even a new experiments.db; it reads the stamps of a project that exists.
  const store = !opts.dryRun || existsSync(dbPath) ? ExperimentStore.open(dbPath) : undefined;
  try {
    const plan = planner(specPath, spec, stages, opts, cwd, store);
    if (opts.dryRun) return dryRun(spec.doc, search, trialCount, plan, pathOf);
    return await tune({ spec, search, stages, opts, cwd, store: store!, plan, pathOf, trialCount });
  } finally {
    store?.close();
  }
}

/**
 * `--set OBJECTIVE.split=...` would score the search on another split: refused like the search block's own split.
 * `--set` of a searched key or of the resource would win over the chosen value (or the rung's) where they are set as
 * params, so the final run would not run the chosen configuration: refused too.
 */
export function checkOverrides(set: string[], search: SearchBlock): void {
  for (const raw of set) {
    const { key } = parseOverride(raw);
    if (key === `${search.objective.stage}.split`) {
      throw new SpecError(`--set ${key}: a search is scored on the validation split only`, { file: '--set', key }, 'remove it; pipe tune evaluates the chosen configuration on the split the spec names');
    }
    if (search.space.some((s) => s.key === key) || key === search.resource?.key) {
      throw new SpecError(`--set ${key}: the search sets this key itself`, { file: '--set', key }, 'remove it, or remove the key from the search block');
    }
  }
}

function planner(specPath: string, spec: LoadedSpec, stages: ReadonlyMap<string, AnyStage>, opts: TuneCommandOptions, cwd: string, store: ExperimentStore | undefined) {
  const stamps: StampStore | undefined = store && {
    contentStampsUnder: (f) => store.contentStampsUnder(f),
    contentStamp: (p) => store.contentStamp(p),
    recordContentStamps: (r) => (opts.dryRun ? undefined : store.recordContentStamps(r)),
  };
  const digests = new ContentDigests(stamps);
  return (doc: SpecFile): Plan =>
    loadPlan(specPath, { overrides: opts.set, maxCells: opts.maxCells, env: process.env, cwd, stages, spec: { ...spec, doc }, contents: digests.digest });
}

function dryRun(doc: SpecFile, search: SearchBlock, trialCount: number, plan: (doc: SpecFile) => Plan, pathOf: (key: string) => (string | number)[]): number {
  const rung = firstRung(search, trialCount);
  const trialPlan = plan(trialSpec({ doc, search, trials: rung.parts[0].trials, pathOf, resource: rung.resource ?? undefined }));
  const out = (line: string) => process.stdout.write(line + '\n');
  out(describeSearch(search, trialCount));
  for (const t of rung.parts[0].trials) out(formatTrial(t.number, t.values));
  const first =
    search.scheduler === 'halving'
      ? ` (rung 0 of ${rungResources(search.resource!.min, search.resource!.max, search.eta).length})`
      : search.scheduler === 'tpe' && trialCount > TPE_STARTUP
        ? ` (the start-up trials; TPE proposes the other ${trialCount - TPE_STARTUP} from their scores)`
        : '';
  out(`would run ${trialPlan.cells.length} cells, ${trialPlan.instances.length} stage instances${first}; nothing written`);
  return 0;
}

function describeSearch(search: SearchBlock, trials: number): string {
  const scheduler =
    search.scheduler === 'halving' && search.resource
      ? `successive halving over ${search.resource.key} ${rungResources(search.resource.min, search.resource.max, search.eta).join(' -> ')} (eta ${search.eta})`
      : search.scheduler === 'tpe'
        ? `TPE (${TPE_STARTUP} random start-up trials, then batches of ${TPE_BATCH} proposed per group)`
        : 'random search';
  const per = search.per.length ? `, chosen per ${search.per.join(' x ')}` : '';
  return `tune: ${scheduler}, ${trials} trials, maximising ${search.objective.stage}.${search.objective.metric} on the validation split${per}`;
}

interface TuneInput {
  spec: LoadedSpec;
  search: SearchBlock;
  stages: ReadonlyMap<string, AnyStage>;
  opts: TuneCommandOptions;
  cwd: string;
  store: ExperimentStore;
  plan: (doc: SpecFile) => Plan;
  pathOf: (key: string) => (string | number)[];
  trialCount: number;
}

async function tune(input: TuneInput): Promise<number> {
  const { spec, search, opts, store } = input;
  const out = (line: string) => process.stdout.write(line + '\n');
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ninterrupted: stopping running stages (finished trials stay cached: re-run the same command to resume)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const tuneId = store.createTune({ name: opts.name ?? null, specPath: spec.file, specHash: spec.hash, search: search as unknown as Json });
  out(`${describeSearch(search, input.trialCount)}`);
  out(`tune ${tuneId}${opts.name ? ` (${opts.name})` : ''}`);
  // On a terminal each run (a rung's trials, a final run) gets the live dashboard, with the leaderboard under it;
  // otherwise one line per event, and the leaderboard printed each time it changes.
  const useDashboard = chooseReporter({ isTTY: process.stdout.isTTY === true, plain: opts.plain, ci: process.env.CI }) === 'dashboard';
  const startDashboard = useDashboard ? (await import('../ui/dashboard.js')).startDashboard : undefined;
  let dashboard: DashboardHandle | undefined;
  let shown = '';
  const showBoard = (rows: LeaderboardRow[]): void => {
    const text = formatLeaderboard(rows, search, LEADERBOARD_ROWS);
    if (text !== shown && !useDashboard) out(text);
    shown = text;
    dashboard?.setBoard(text);
  };
  const stageLines = plainReporter(out);
  let result: TuneResult | undefined;
  // A second Ctrl-C exits at once: the tune's row is marked then, as runPlan marks its run's.
  const onExit = (): void => {
    try {
      store.finishTune(tuneId, 'cancelled');
    } catch {
      // The store itself failed; the row stays running.
    }
  };
  process.on('exit', onExit);
  try {
    result = await runTune(
      {
        doc: spec.doc,
        search,
        pathOf: input.pathOf,
        plan: input.plan,
        tags: [`tune:${tuneId}`],
        signal: controller.signal,
        onLeaderboard: showBoard,
        record: tuneRecorder(store, tuneId),
        execute: async (plan, tags, listener): Promise<ExecutedPlan> => {
          dashboard = startDashboard?.({ onCancel: () => controller.abort(), board: shown });
          try {
            const r = await runPlan(plan, {
              projectDir: input.cwd,
              stages: input.stages,
              jobs: opts.jobs,
              backend: opts.backend,
              tags,
              signal: controller.signal,
              listeners: [dashboard?.listener ?? stageLines, listener],
            });
            if (r.summary && !dashboard) out('\n' + r.summary.trim() + '\n');
            return { runId: r.runId, status: r.status, outcomes: r.outcomes };
          } finally {
            await dashboard?.done();
            dashboard = undefined;
          }
        },
      },
      input.trialCount,
    );
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    process.off('exit', onExit);
    store.finishTune(tuneId, result?.status ?? (controller.signal.aborted ? 'cancelled' : 'failed'));
  }
  out('');
  out(formatLeaderboard(rankBoard(result.leaderboard), search, Number.POSITIVE_INFINITY));
  for (const c of result.choices) out(formatChoice(c.group, c.row, search, c.finalRunId, c.finalStatus));
  if (!result.choices.length && result.status !== 'cancelled') process.stderr.write('error: no trial finished with a validation score: nothing was chosen\n');
  return result.status === 'cancelled' ? 130 : result.status === 'succeeded' ? 0 : 1;
}

/** Trials and choices into the tunes tables, as runTune reports them. */
function tuneRecorder(store: ExperimentStore, tuneId: string): TuneRecord {
  return {
    trial: (row, runId) =>
      store.recordTuneTrial({
        tuneId,
        trial: row.trial,
        rung: row.rung,
        resource: row.resource,
        group: JSON.parse(row.group) as JsonObject,
        values: row.values,
        runId,
        score: row.score,
        cells: row.cells,
        status: row.score === null ? 'failed' : 'scored',
      }),
    choice: (group, row, finalRunId) => store.recordTuneChoice({ tuneId, group, trial: row.trial, score: row.score!, finalRunId }),
  };
}
