// Run one stage by hand in tests: temporary outDir/scratchDir, params with the schema's defaults filled in,
// and every report collected.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { StageProgress } from '../../src/core/stage-progress.js';
import type { JsonObject } from '../../src/json.js';
import type { AnyStage, StageContext, StageInput, StageResult } from '../../src/stages/stage.js';

/** A temporary folder removed when the current test finishes. */
export function tempDir(prefix = 'pipe-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface StageRunOptions {
  /** Artifact folders of the inputs, in `needs` order. */
  inputs?: string[];
  seed?: number;
  name?: string;
  projectDir?: string;
  signal?: AbortSignal;
}

export interface StageRun {
  result: StageResult;
  outDir: string;
  reports: StageProgress[];
  warnings: string[];
}

/** The context a stage would get from the runner; `reports` collects what it reports. */
export function makeStageContext(stage: AnyStage, params: object, options: StageRunOptions = {}): StageContext<JsonObject> & { reports: StageProgress[] } {
  const root = tempDir(`pipe-${stage.type}-`);
  const outDir = join(root, 'out');
  const scratchDir = join(root, 'scratch');
  mkdirSync(outDir);
  mkdirSync(scratchDir);
  const reports: StageProgress[] = [];
  const inputs: StageInput[] = (options.inputs ?? []).map((dir, i) => ({
    name: `input${i}`,
    type: 'test',
    key: `key${i}`,
    dir,
    cell: { id: 'cell', values: {}, seed: options.seed ?? 1 },
  }));
  return {
    name: options.name ?? stage.type,
    params: withDefaults(stage, params),
    seed: options.seed ?? 1,
    inputs,
    outDir,
    scratchDir,
    options: { projectDir: options.projectDir ?? root },
    signal: options.signal ?? new AbortController().signal,
    report: (p) => reports.push(p),
    reports,
  };
}

/** Run a stage in a fresh context; returns its result, its output folder and its reports. */
export async function runStage(stage: AnyStage, params: object, options: StageRunOptions = {}): Promise<StageRun> {
  const ctx = makeStageContext(stage, params, options);
  const result = await stage.run(ctx);
  const warnings = ctx.reports.flatMap((r) => (r.kind === 'log' && r.level === 'warn' ? [r.message] : []));
  return { result, outDir: ctx.outDir, reports: ctx.reports, warnings };
}

/** Fill top-level defaults from the stage's params schema, as ajv's useDefaults does before a run. */
function withDefaults(stage: AnyStage, params: object): JsonObject {
  const properties = (stage.paramsSchema.properties ?? {}) as Record<string, { default?: unknown }>;
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) if (schema.default !== undefined) out[key] = schema.default;
  return { ...out, ...params } as JsonObject;
}
