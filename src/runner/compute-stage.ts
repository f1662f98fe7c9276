// Computing one stage instance into the artifact store: reuse a verified artifact, else take the key's lock, look
// again (another process may have finished it meanwhile), run the stage into a temporary folder and commit it.
// The local executor and `pipe worker` both call this, so a stage runs the same code wherever it runs.

import type { RunEventListener } from '../core/run-events.js';
import { CancelledError, StageError } from '../errors.js';
import type { AnyStage } from '../stages/stage.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { describeError } from './describe-error.js';
import type { Execution, StageTask } from './executor.js';
import { readStageResult, writeStageResult } from './stage-result-file.js';

export interface ComputeContext {
  artifacts: ArtifactStore;
  stages: ReadonlyMap<string, AnyStage>;
  signal: AbortSignal;
  /** Receives `stage-started` (when the stage itself begins) and `stage-progress`. */
  emit: RunEventListener;
}

export async function computeOrReuse(task: StageTask, ctx: ComputeContext): Promise<Execution> {
  const t0 = Date.now();
  const { inst } = task;
  try {
    const stage = ctx.stages.get(inst.type);
    if (!stage) throw new StageError(`unknown stage type ${inst.type}`, { stage: inst.id });
    const reused = await reuse(task, ctx, t0);
    if (reused) return reused;
    if (ctx.signal.aborted) return { status: 'skipped', ms: 0, error: 'run cancelled' };
    const release = await ctx.artifacts.lockKey(inst.key, ctx.signal);
    try {
      return (await reuse(task, ctx, t0)) ?? (await compute(task, stage, ctx, t0));
    } finally {
      await release();
    }
  } catch (err) {
    if (ctx.signal.aborted) return { status: 'skipped', ms: 0, error: 'run cancelled' };
    return { status: 'failed', ms: 0, error: describeError(err) };
  }
}

/** The verified artifact of an instance that is not forced, as a `cached` execution; undefined if there is none. */
export async function reuse(task: StageTask, ctx: Pick<ComputeContext, 'artifacts'>, t0 = Date.now()): Promise<Execution | undefined> {
  if (task.forced) return undefined;
  const hit = await ctx.artifacts.lookup(task.inst.key, { verify: task.verify });
  if (!hit.ok) return undefined;
  return { status: 'cached', ms: Date.now() - t0, dir: hit.dir, result: await readStageResult(hit.dir) };
}

async function compute(task: StageTask, stage: AnyStage, ctx: ComputeContext, t0: number): Promise<Execution> {
  const { inst } = task;
  ctx.emit({ kind: 'stage-started', id: inst.id, key: inst.key });
  const pending = await ctx.artifacts.begin(inst.key);
  try {
    const result = await stage.run({
      name: inst.id,
      params: inst.params,
      seed: inst.seed,
      inputs: task.inputs,
      outDir: pending.dir,
      scratchDir: await ctx.artifacts.scratchDir(inst.key),
      options: task.runOptions,
      signal: ctx.signal,
      report: (progress) => ctx.emit({ kind: 'stage-progress', id: inst.id, progress }),
    });
    if (ctx.signal.aborted) throw new CancelledError();
    await writeStageResult(pending.dir, result);
    const committed = await pending.commit({ replace: task.forced });
    await ctx.artifacts.clearScratch(inst.key);
    return { status: 'ran', ms: Date.now() - t0, dir: committed.dir, result };
  } catch (err) {
    await pending.abort();
    const ms = Date.now() - t0;
    if (ctx.signal.aborted) return { status: 'skipped', ms, error: 'run cancelled' };
    return { status: 'failed', ms, error: describeError(err) };
  }
}
