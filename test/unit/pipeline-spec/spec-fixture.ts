// Spec files written into a fresh temporary folder, and the errors a spec produces as the CLI would print them.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SpecError, SpecErrors } from '../../../src/errors.js';
import { loadPlan, type LoadPlanOptions } from '../../../src/pipeline-spec/load-plan.js';
import type { Plan, StageInstance } from '../../../src/pipeline-spec/plan-types.js';
import { stageRegistry } from '../../../src/stages/registry.js';

/** The paper's data stages on a synthetic corpus; line numbers below are relied on by position tests. */
export const DATA = `name: t
stages:
  ingest:
    type: ingest
    params: { format: synthetic }
  normalize:
    type: normalize
    needs: [ingest]
  split:
    type: split
    needs: [normalize]
  chunk:
    type: chunk
    needs: [split]
  train:
    type: train
    needs: [chunk]
`;

export const EVALUATE_AND_COMPARE = '  evaluate: { type: evaluate, needs: [train, chunk] }\n  compare: { type: compare, needs: [evaluate] }\n';

/** A fresh folder holding `files` (paths may have folders); returns its path. */
export function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-spec-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Plans `text` as spec.yaml in a fresh folder, with the registry's stages and an empty environment unless others are given. */
export function plan(text: string, options: Partial<Omit<LoadPlanOptions, 'cwd'>> & { extra?: Record<string, string> } = {}): Plan {
  const { extra, ...rest } = options;
  const dir = folder({ 'spec.yaml': text, ...extra });
  return loadPlan('spec.yaml', { stages: stageRegistry, env: {}, ...rest, cwd: dir });
}

/** The errors `fn` throws, each as `pipe validate` prints it; fails when nothing is thrown. */
export function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecErrors) return e.errors.map((x) => x.describe());
    if (e instanceof SpecError) return [e.describe()];
    throw e;
  }
  throw new Error('expected a spec error');
}

export function instance(p: Plan, name: string): StageInstance {
  const found = p.instances.filter((i) => i.name === name);
  if (found.length !== 1) throw new Error(`expected one ${name} instance, found ${found.length}`);
  return found[0];
}

export function instancesOf(p: Plan, name: string): StageInstance[] {
  return p.instances.filter((i) => i.name === name);
}
