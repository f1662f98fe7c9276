// The one interface every stage type implements. A stage reads its inputs' artifact folders and writes its own;
// it never touches the database or the terminal: it reports progress through `ctx.report`.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CellInfo } from '../core/cell.js';
import { CHUNK_MANIFEST } from '../dataset/chunk-files.js';
import type { StageProgress } from '../core/stage-progress.js';
import type { StageType } from '../core/stage-type.js';
import { StageError } from '../errors.js';
import { isRecord, type Json, type JsonObject } from '../json.js';

/** One upstream artifact handed to a stage. */
export interface StageInput {
  /** Stage name in the spec (`chunk`, `train`, ...). */
  name: string;
  type: string;
  key: string;
  /** Absolute path of the verified artifact folder. */
  dir: string;
  /** The matrix cell this input belongs to (plan-scope stages such as compare get one input per cell). */
  cell: CellInfo;
}

/** Options of the whole run that a stage may read but that are not part of its cache key. */
export interface RunOptions {
  /** `node | wasm | cpu`, forced by `--backend` or PIPE_BACKEND; undefined = pick the fastest that loads. */
  backend?: string;
  /** Root folder of the project (where artifacts/ and experiments.db live). */
  projectDir: string;
}

export interface StageContext<P> {
  /** Stage name in the spec. */
  name: string;
  params: P;
  seed: number;
  /** Inputs in `needs` order; for plan-scope stages, one input per (need, cell). */
  inputs: StageInput[];
  /** An empty temporary folder; everything written here becomes the artifact once `run` resolves. */
  outDir: string;
  /**
   * A folder that survives a killed run of this same cache key (checkpoints); deleted once the artifact is
   * committed.
   */
  scratchDir: string;
  options: RunOptions;
  signal: AbortSignal;
  report(progress: StageProgress): void;
}

export interface StageResult {
  /** Numbers worth querying (accuracy, ua, files, ...); stored as metrics rows. */
  metrics?: Record<string, number>;
  /** Anything else worth recording (backend used, class counts, ...). */
  info?: JsonObject;
  /** Text the CLI prints at the end of the run (compare's table). */
  summary?: string;
}

/** A stage type (what planning reads, src/core/stage-type.ts) and the code that computes its artifact. */
export interface Stage<P> extends StageType {
  run(ctx: StageContext<P>): Promise<StageResult>;
}

/** Stage types whose artifact holds examples in the chunk format (chunks.json + chunks.f32): train and evaluate read either. */
export const EXAMPLE_TYPES: readonly string[] = ['features', 'chunk'];

/**
 * The input of the first of `types` (in that order of preference) that the stage has, or undefined. Where `chunk`
 * is one of them, an input of a user's stage (a module or a command) whose artifact holds the chunk format does too,
 * so that a user's stage between chunk and train is read as features are.
 */
export function inputOfTypes(inputs: readonly StageInput[], types: readonly string[]): StageInput | undefined {
  const byType = types.map((t) => inputs.find((i) => i.type === t)).find((i) => i !== undefined);
  if (byType || !types.includes('chunk')) return byType;
  return inputs.find((i) => existsSync(join(i.dir, CHUNK_MANIFEST)));
}

/** A stage with its params type erased, as the registry and runner hold it. */
export type AnyStage = Stage<JsonObject>;

/** A JSON object an upstream stage wrote (metrics.json, predictions.json); else a StageError naming the file. */
export async function readInputJson(path: string, hint: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new StageError(`cannot read ${path}: ${(err as Error).message}`, { file: path }, hint);
  }
  if (!isRecord(parsed)) throw new StageError('expected a JSON object', { file: path }, hint);
  return parsed;
}

/** Erase a stage's params type; its params were validated against `paramsSchema` before `run` is called. */
export function defineStage<P>(stage: Stage<P>): AnyStage {
  return stage as unknown as AnyStage;
}

export type { Json };
