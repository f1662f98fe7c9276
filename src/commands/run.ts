// `pipe run SPEC`: plan, then execute (or, with --dry-run, say what would run), reporting as it goes.

import { relative } from 'node:path';
import { plannedActions } from '../runner/dry-run.js';
import type { QueueExecutor } from '../runner/queue/queue-executor.js';
import { projectPaths, runPlan, type RunPlanResult } from '../runner/run-plan.js';
import type { Plan } from '../pipeline-spec/plan-types.js';
import type { AnyStage } from '../stages/stage.js';
import { ArtifactStore } from '../store/artifact-store.js';
import { chooseReporter } from '../ui/choose-reporter.js';
import { plainReporter } from '../ui/plain-reporter.js';
import { SpecError } from '../errors.js';
import { planSpec } from './plan-spec.js';

/** `pipe run`'s and `pipe sweep`'s options, as commander parses them. */
export interface RunCommandOptions {
  set: string[];
  /** `pipe sweep --param key=v1,v2`: extra matrix axes. */
  param?: string[];
  jobs: number;
  maxCells: number;
  force: string[];
  dryRun?: boolean;
  verify?: boolean;
  backend?: 'node' | 'wasm' | 'cpu';
  name?: string;
  tag: string[];
  json?: boolean;
  plain?: boolean;
  /** `--queue redis://...` (or PIPE_QUEUE): run the stages on `pipe worker`s. */
  queue?: string;
}

export async function runCommand(specPath: string, opts: RunCommandOptions): Promise<number> {
  const projectDir = process.cwd();
  const { plan, stages } = await planSpec(specPath, {
    overrides: opts.set,
    sweep: opts.param,
    maxCells: opts.maxCells,
    env: process.env,
    cwd: projectDir,
    contents: opts.dryRun ? 'read' : 'run',
  });
  checkForcedStages(plan, opts.force);
  if (plan.resolved.search !== undefined) process.stderr.write('note: the spec has a search: block; pipe run runs the spec as written (pipe tune searches it, docs/tune.md)\n');
  if (opts.dryRun) return dryRun(plan, projectDir, opts);
  if (opts.queue) checkQueueable(plan, stages);
  const queue = opts.queue ? await openQueue(opts.queue, projectDir) : undefined;

  const controller = new AbortController();
  let interrupts = 0;
  const cancel = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  };
  const onSigint = (): void => {
    if (interrupts === 0) {
      process.stderr.write('\ninterrupted: stopping running stages (finished stages stay cached); press Ctrl-C again to quit now\n');
    }
    cancel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const write = opts.json ? (line: string) => process.stderr.write(line + '\n') : (line: string) => process.stdout.write(line + '\n');
  const useDashboard =
    chooseReporter({ isTTY: process.stdout.isTTY === true, plain: opts.plain, json: opts.json, ci: process.env.CI }) === 'dashboard';
  const dashboard = useDashboard ? (await import('../ui/dashboard.js')).startDashboard({ onCancel: cancel }) : undefined;
  try {
    let result: RunPlanResult;
    try {
      result = await runPlan(plan, {
        projectDir,
        stages,
        jobs: opts.jobs,
        force: opts.force,
        verify: opts.verify ? 'full' : 'stamp',
        backend: opts.backend,
        name: opts.name,
        tags: opts.tag,
        signal: controller.signal,
        listeners: [dashboard?.listener ?? plainReporter(write)],
        executor: queue,
      });
    } finally {
      // The dashboard draws its final frame and gives the terminal back before anything else is printed.
      await dashboard?.done();
      await queue?.close();
    }
    if (opts.json) process.stdout.write(JSON.stringify(jsonSummary(plan, result), null, 2) + '\n');
    else if (result.summary && !dashboard) process.stdout.write('\n' + result.summary + '\n');
    if (result.status === 'cancelled') return 130;
    if (result.status === 'failed') {
      for (const o of result.outcomes.filter((x) => x.status === 'failed')) {
        process.stderr.write(`error: stage ${o.id} failed: ${o.error ?? 'unknown error'}\n`);
      }
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** `pipe worker` knows the built-in stage types only: a spec with a user's module stage runs locally. */
function checkQueueable(plan: Plan, stages: ReadonlyMap<string, AnyStage>): void {
  const inst = plan.instances.find((i) => stages.get(i.type)?.codeDigest !== undefined);
  if (inst) {
    throw new SpecError(
      `--queue: stage ${inst.name} is a module stage (type ${inst.type}), and pipe worker runs built-in stages only`,
      inst.place,
      'run this spec without --queue (docs/distributed.md, Not (yet) distributed)',
    );
  }
}

/**
 * Connects to the queue (exit 2 naming the URL if Redis does not answer) and says so if no worker follows it.
 * BullMQ and ioredis are imported here, not at the top: they cost about a quarter of a no-op re-run's start.
 */
async function openQueue(url: string, projectDir: string): Promise<QueueExecutor> {
  const [{ QueueExecutor }, { parseRedisUrl }] = await Promise.all([import('../runner/queue/queue-executor.js'), import('../runner/queue/redis-target.js')]);
  const target = parseRedisUrl(url);
  const queue = await QueueExecutor.open(target, new ArtifactStore(projectPaths(projectDir).artifacts));
  if ((await queue.workerCount()) === 0) {
    process.stderr.write(`no pipe worker follows ${target.url} yet: stages wait in the queue until one starts (pipe worker --queue ${target.url} --project DIR)\n`);
  }
  return queue;
}

function checkForcedStages(plan: Plan, force: string[]): void {
  const names = new Set(plan.instances.map((i) => i.name));
  for (const name of force) {
    if (!names.has(name)) {
      throw new SpecError(`--force ${name}: no stage of that name`, { file: plan.specPath }, `stages are: ${[...names].join(', ')}`);
    }
  }
}

async function dryRun(plan: Plan, projectDir: string, opts: RunCommandOptions): Promise<number> {
  const artifacts = new ArtifactStore(projectPaths(projectDir).artifacts);
  const rows = await plannedActions(plan, artifacts, { force: new Set(opts.force), verify: opts.verify ? 'full' : 'stamp' });
  if (opts.json) {
    process.stdout.write(JSON.stringify({ spec: plan.specPath, dryRun: true, stages: rows }, null, 2) + '\n');
  } else {
    const width = Math.max(...rows.map((r) => r.id.length));
    for (const r of rows) process.stdout.write(`${r.action === 'run' ? 'would run' : 'cached   '}  ${r.id.padEnd(width)}  ${r.key.slice(0, 10)}\n`);
    const toRun = rows.filter((r) => r.action === 'run').length;
    process.stdout.write(`${toRun} to run, ${rows.length - toRun} cached (${relative(projectDir, plan.specPath) || plan.specPath})\n`);
  }
  return 0;
}

function jsonSummary(plan: Plan, result: RunPlanResult): object {
  return {
    runId: result.runId,
    spec: plan.specPath,
    status: result.status,
    ms: result.ms,
    stages: result.outcomes.map((o) => ({
      id: o.id,
      name: o.name,
      type: o.type,
      status: o.status,
      key: o.key,
      ms: o.ms,
      cells: o.cells,
      ...(o.result?.metrics ? { metrics: o.result.metrics } : {}),
      ...(o.error ? { error: o.error } : {}),
    })),
    ...(result.summary ? { summary: result.summary } : {}),
  };
}
