// One `pipe tune`: sample the trials, run them as ordinary plans scored on the validation split (random: one plan;
// halving: one plan per rung, promoting per group; tpe: random start-up trials, then batches proposed per group),
// choose the best trial per group, then run the whole spec with each choice. Planning, executing and recording are
// handed in, so that this file holds only the search's logic.

import type { RunEventListener } from '../core/run-events.js';
import { canonicalJson, type JsonObject } from '../json.js';
import type { Plan } from '../pipeline-spec/plan-types.js';
import type { SearchBlock } from '../pipeline-spec/search-block.js';
import type { SpecFile } from '../pipeline-spec/spec-schema.js';
import type { InstanceOutcome } from '../runner/execute-plan.js';
import { chooseBest, rankTrials, scoreTrials, type Observation, type TrialScore } from './choose.js';
import { promote, rungResources } from './halving.js';
import { sampleTrials, type Trial } from './sample-space.js';
import { proposeTpe, TPE_BATCH, TPE_STARTUP } from './tpe.js';
import { finalSpec, groupOf, trialSpec, type Group, type KeyPath } from './tune-specs.js';

export interface ExecutedPlan {
  runId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  outcomes: InstanceOutcome[];
}

/** A trial's place on the leaderboard. */
export interface LeaderboardRow extends TrialScore {
  values: JsonObject;
  rung: number;
  resource: number | null;
  /** While a trial is still running: how many cells its score will average (its `cells` are those scored so far). */
  cellsExpected?: number;
}

export interface TuneRecord {
  trial(row: LeaderboardRow, runId: string): void;
  choice(group: Group, row: LeaderboardRow, finalRunId: string | null): void;
}

export interface TuneDeps {
  doc: SpecFile;
  search: SearchBlock;
  pathOf: KeyPath;
  /** Plans a spec document (the command's loadPlan with --set, stage types and content digests). */
  plan: (doc: SpecFile) => Plan;
  /** Runs a plan as a normal recorded run, tagged; `listener` hears its events. */
  execute: (plan: Plan, tags: string[], listener: RunEventListener) => Promise<ExecutedPlan>;
  record: TuneRecord;
  tags: string[];
  /** The leaderboard so far (all rungs), each time a trial's cell is scored. */
  onLeaderboard: (rows: LeaderboardRow[]) => void;
  signal: AbortSignal;
}

export interface TuneResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  leaderboard: LeaderboardRow[];
  choices: { group: Group; row: LeaderboardRow; finalRunId: string | null; finalStatus: ExecutedPlan['status'] | 'not run' }[];
}

/** A rung: which trials run in which group (all groups: undefined), at which resource. */
export interface RungPlan {
  rung: number;
  resource: number | null;
  parts: { group?: Group; trials: Trial[] }[];
}

/** The first rung's plan (random search's only one): every trial, every group. */
export function firstRung(search: SearchBlock, trialCount: number): RungPlan {
  const trials = sampleTrials(search.space, search.scheduler === 'tpe' ? Math.min(trialCount, TPE_STARTUP) : trialCount, search.seed);
  const resource = search.scheduler === 'halving' && search.resource ? rungResources(search.resource.min, search.resource.max, search.eta)[0] : null;
  return { rung: 0, resource, parts: [{ trials }] };
}

export async function runTune(deps: TuneDeps, trialCount: number): Promise<TuneResult> {
  const { search } = deps;
  const resources = search.scheduler === 'halving' && search.resource ? rungResources(search.resource.min, search.resource.max, search.eta) : [null];
  const board: LeaderboardRow[] = [];
  let rung: RungPlan | undefined = firstRung(search, trialCount);
  let status: TuneResult['status'] = 'succeeded';
  let last: LeaderboardRow[] = [];
  while (rung) {
    const rows: LeaderboardRow[] = [];
    for (const part of rung.parts) {
      const scored = await runPart(deps, rung, part, board);
      rows.push(...scored.rows);
      if (scored.status !== 'succeeded') status = scored.status;
      if (scored.status === 'cancelled') return { status, leaderboard: board, choices: [] };
    }
    last = rows;
    const next: number = rung.rung + 1;
    if (search.scheduler === 'halving') rung = next < resources.length ? promoteRung(rows, search, next, resources[next]!) : undefined;
    else if (search.scheduler === 'tpe') rung = tpeBatch(board, search, next, trialCount);
    else rung = undefined;
  }
  // Halving chooses among the trials that reached the largest resource; the others among all trials.
  const pool = search.scheduler === 'halving' ? last : board;
  const best = [...chooseBest(pool)].map(([group, score]) => ({ group: JSON.parse(group) as Group, row: pool.find((r) => r.group === group && r.trial === score.trial)! }));
  if (!best.length) return { status: status === 'succeeded' ? 'failed' : status, leaderboard: board, choices: [] };
  const plan = deps.plan(finalSpec(deps.doc, search, best.map((b) => ({ group: b.group, values: b.row.values })), deps.pathOf, best[0].row.resource ?? undefined));
  const final = deps.signal.aborted ? undefined : await deps.execute(plan, [...deps.tags, ...best.flatMap((b) => choiceTags(b.group, b.row, search))], () => {});
  const choices: TuneResult['choices'] = best.map((b) => ({ ...b, finalRunId: final?.runId ?? null, finalStatus: final?.status ?? 'not run' }));
  for (const c of choices) deps.record.choice(c.group, c.row, c.finalRunId);
  if (final && final.status !== 'succeeded') status = final.status;
  return { status, leaderboard: board, choices };
}

/** What the final run's tags say of a choice: `trial:7`, `val-ua:0.8312`, with `@group` when there are groups. */
function choiceTags(group: Group, row: LeaderboardRow, search: SearchBlock): string[] {
  const at = Object.keys(group).length ? '@' + Object.entries(group).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(',') : '';
  return [`trial:${row.trial}${at}`, `val-${search.objective.metric}:${row.score!.toFixed(4)}${at}`];
}

/** The next rung: in each group, the top 1/eta of this rung's trials, at the next resource. */
function promoteRung(rows: LeaderboardRow[], search: SearchBlock, rung: number, resource: number): RungPlan | undefined {
  const groups = [...new Set(rows.map((r) => r.group))].sort();
  const parts = groups.map((g) => {
    const inGroup = rows.filter((r) => r.group === g);
    const keep = new Set(promote(inGroup, search.eta));
    const trials = inGroup.filter((r) => keep.has(r.trial)).map((r) => ({ number: r.trial, values: r.values }));
    return { group: JSON.parse(g) as Group, trials };
  });
  return parts.some((p) => p.trials.length) ? { rung, resource, parts: parts.filter((p) => p.trials.length) } : undefined;
}

/** TPE's next batch in each group: up to TPE_BATCH new trials proposed from that group's scored trials so far. */
function tpeBatch(board: LeaderboardRow[], search: SearchBlock, rung: number, trialCount: number): RungPlan | undefined {
  const groups = [...new Set(board.map((r) => r.group))].sort();
  const parts = groups.map((g) => {
    const rows = board.filter((r) => r.group === g);
    const done = Math.max(...rows.map((r) => r.trial));
    const numbers = Array.from({ length: Math.max(0, Math.min(TPE_BATCH, trialCount - done)) }, (_, i) => done + 1 + i);
    const history = rows.flatMap((r) => (r.score === null ? [] : [{ trial: r.trial, values: r.values, score: r.score }]));
    return { group: JSON.parse(g) as Group, trials: proposeTpe(search.space, history, numbers, search.seed) };
  });
  const open = parts.filter((p) => p.trials.length);
  return open.length ? { rung, resource: null, parts: open } : undefined;
}

async function runPart(deps: TuneDeps, rung: RungPlan, part: RungPlan['parts'][number], board: LeaderboardRow[]) {
  const { search } = deps;
  const plan = deps.plan(trialSpec({ doc: deps.doc, search, trials: part.trials, pathOf: deps.pathOf, resource: rung.resource ?? undefined, group: part.group }));
  checkIsolation(plan, search);
  const cellsOf = observationsOf(plan, part.trials, search);
  // Looked up on every finished stage: the objective's instances, and each trial's cells in each group.
  const objective = new Set(cellsOf.map((o) => o.instance));
  const idOf = (t: { group: string; trial: number }): string => `${t.group}\u0000${t.trial}`;
  const cellsOfTrial = new Map<string, typeof cellsOf>();
  for (const o of cellsOf) {
    const list = cellsOfTrial.get(idOf(o)) ?? [];
    list.push(o);
    cellsOfTrial.set(idOf(o), list);
  }
  const trialCells = (s: TrialScore) => cellsOfTrial.get(idOf(s)) ?? [];
  const scores = new Map<string, number | null>();
  const row = (s: TrialScore): LeaderboardRow => ({ ...s, values: part.trials.find((t) => t.number === s.trial)!.values, rung: rung.rung, resource: rung.resource });
  const current = (): LeaderboardRow[] => {
    const observed = cellsOf.filter((o) => scores.has(o.instance)).map((o) => ({ ...o, score: scores.get(o.instance)! }));
    return scoreTrials(observed).map((s) => ({ ...row(s), cellsExpected: trialCells(s).length }));
  };
  const metricName = search.objective.metric;
  const listener: RunEventListener = (event) => {
    if (event.kind !== 'stage-finished' || !objective.has(event.id)) return;
    scores.set(event.id, event.metrics[metricName] ?? null);
    deps.onLeaderboard(rankBoard([...board, ...current()]));
  };
  const result = await deps.execute(plan, [...deps.tags, `rung:${rung.rung}`], listener);
  for (const o of result.outcomes) {
    if (!objective.has(o.id)) continue;
    const value = o.status === 'ran' || o.status === 'cached' ? o.result?.metrics?.[metricName] : undefined;
    scores.set(o.id, typeof value === 'number' && Number.isFinite(value) ? value : null);
  }
  // Only trials whose every cell finished are scored: a cancelled run leaves the rest for the re-run (cached).
  // A cancelled run still lists every instance, those it never ran as skipped: those are not finished.
  const complete = new Set(result.outcomes.filter((o) => result.status !== 'cancelled' || o.status !== 'skipped').map((o) => o.id));
  const rows = scoreTrials(cellsOf.filter((o) => complete.has(o.instance)).map((o) => ({ ...o, score: scores.get(o.instance) ?? null })))
    .filter((s) => trialCells(s).every((o) => complete.has(o.instance)))
    .map(row);
  for (const r of rows) deps.record.trial(r, result.runId);
  board.push(...rows);
  deps.onLeaderboard(rankBoard(board));
  return { rows, status: result.status };
}

/** Each objective-stage instance of the plan, once per trial and group whose cells it serves. */
export function observationsOf(plan: Plan, trials: readonly Trial[], search: SearchBlock): Omit<Observation, 'score'>[] {
  const keys = search.space.map((s) => s.key);
  const trialsOf = new Map<string, number[]>();
  for (const t of trials) {
    const id = canonicalJson(keys.map((k) => t.values[k]));
    trialsOf.set(id, [...(trialsOf.get(id) ?? []), t.number]);
  }
  const cells = new Map(plan.cells.map((c) => [c.id, c.values]));
  const out = new Map<string, Omit<Observation, 'score'>>();
  for (const inst of plan.instances.filter((i) => i.name === search.objective.stage)) {
    for (const cellId of inst.cells) {
      const values = cells.get(cellId)!;
      const group = canonicalJson(groupOf(values, search.per));
      for (const trial of trialsOf.get(canonicalJson(keys.map((k) => values[k]))) ?? []) {
        out.set(`${trial}\u0000${group}\u0000${inst.id}`, { trial, group, instance: inst.id });
      }
    }
  }
  return [...out.values()];
}

/**
 * The guarantee, checked on the plan itself: the objective scores val, and no instance of a trial plan scores test.
 * trialSpec makes it so; a failure here is a bug in pipe, never a user's mistake.
 */
export function checkIsolation(plan: Plan, search: SearchBlock): void {
  for (const inst of plan.instances) {
    if (inst.params.split === 'test' || (inst.name === search.objective.stage && inst.params.split !== 'val')) {
      throw new Error(`a trial plan's stage ${inst.id} would score the ${String(inst.params.split)} split`);
    }
  }
}

/**
 * Best first; a trial's latest row stands for it, and rows at a larger resource (halving's later rungs) come before
 * rows at a smaller one, whose scores are not comparable with theirs.
 */
export function rankBoard(rows: readonly LeaderboardRow[]): LeaderboardRow[] {
  const latest = new Map<string, LeaderboardRow>();
  for (const r of rows) {
    const id = `${r.group}\u0000${r.trial}`;
    const prev = latest.get(id);
    if (!prev || r.rung >= prev.rung) latest.set(id, r);
  }
  const ranked = rankTrials([...latest.values()]);
  return ranked.map((s) => latest.get(`${s.group}\u0000${s.trial}`)!).sort((a, b) => (b.resource ?? 0) - (a.resource ?? 0) || ranked.indexOf(a) - ranked.indexOf(b));
}
