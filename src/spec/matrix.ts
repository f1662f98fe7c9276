// `matrix:` (lists or {from, to, step} ranges), `exclude:` and `repeat:` expanded into cells. A key joining
// several keys with `+` zips them: `split.val+split.test: [[0.1, 0.2], [0.2, 0.3]]` varies both together.
// `repeat: N` runs each combination with seeds seed .. seed+N-1 (from the matrix's `seed` when it has one).

import { SpecError, type Place } from '../errors.js';
import { canonicalJson, type Json, type JsonObject } from '../json.js';
import type { CellInfo } from '../stages/stage.js';

export interface MatrixInput {
  matrix: Record<string, unknown>;
  exclude: Record<string, unknown>[];
  repeat: number;
  seed: number;
  placeOf: (path: (string | number)[]) => Place;
}

export function expandMatrix(input: MatrixInput): CellInfo[] {
  const axes = Object.entries(input.matrix).map(([key, spec]) => ({ key, values: axisValues(key, spec, input.placeOf(['matrix', key])) }));
  const keys = matrixKeys(input.matrix);
  if (keys.includes('repeat')) {
    throw new SpecError('repeat cannot be a matrix key', { ...input.placeOf(['matrix', 'repeat']), key: 'matrix.repeat' }, 'set `repeat: N` to run every cell with N seeds, or put `seed: [1, 2, 3]` in the matrix');
  }
  input.exclude.forEach((rule, i) => {
    for (const key of Object.keys(rule)) {
      if (!keys.includes(key)) {
        throw new SpecError(`exclude names "${key}", which is not a matrix key`, { ...input.placeOf(['exclude', i, key]), key: `exclude.${i}.${key}` }, `matrix keys: ${keys.join(', ') || 'none'}`);
      }
    }
  });
  let combos: JsonObject[] = [{}];
  for (const axis of axes) {
    const parts = axis.key.split('+');
    combos = combos.flatMap((c) =>
      axis.values.map((v) => (parts.length === 1 ? { ...c, [axis.key]: v } : { ...c, ...Object.fromEntries(parts.map((p, i) => [p, (v as Json[])[i]])) })),
    );
  }
  combos = combos.filter((c) => !input.exclude.some((rule) => Object.entries(rule).every(([k, v]) => canonicalJson(c[k]) === canonicalJson(v))));
  if (!combos.length) throw new SpecError('matrix and exclude leave no cell to run', input.placeOf(['exclude']));
  const cells: CellInfo[] = [];
  for (const combo of combos) {
    const first = combo.seed ?? input.seed;
    if (!Number.isInteger(first)) {
      throw new SpecError(`matrix seed ${JSON.stringify(first)} is not an integer`, { ...input.placeOf(['matrix', 'seed']), key: 'matrix.seed' }, 'seeds are integers, e.g. seed: [1, 2, 3]');
    }
    for (let r = 0; r < input.repeat; r++) {
      const seed = (first as number) + r;
      cells.push({ id: `c${cells.length + 1}`, values: input.repeat > 1 ? { ...combo, seed } : combo, seed });
    }
  }
  return cells;
}

/** The individual keys a matrix sets (zipped keys split apart). */
export function matrixKeys(matrix: Record<string, unknown>): string[] {
  return Object.keys(matrix).flatMap((k) => k.split('+'));
}

function axisValues(key: string, spec: unknown, place: Place): Json[] {
  if (Array.isArray(spec)) {
    if (!spec.length) throw new SpecError(`matrix.${key} is an empty list`, { ...place, key: `matrix.${key}` }, 'give at least one value');
    const width = key.split('+').length;
    if (width > 1 && !spec.every((v) => Array.isArray(v) && v.length === width)) {
      throw new SpecError(`matrix.${key} zips ${width} keys: each value must be a list of ${width}`, { ...place, key: `matrix.${key}` }, `for example [[0.1, 0.2], [0.2, 0.3]]`);
    }
    return spec as Json[];
  }
  if (spec !== null && typeof spec === 'object') {
    const { from, to, step } = spec as Record<string, unknown>;
    if ([from, to, step].every((x) => typeof x === 'number') && (step as number) > 0 && (to as number) >= (from as number)) {
      const n = Math.floor(((to as number) - (from as number)) / (step as number) + 1e-9);
      // Rounded so that 0.1 + 2 * 0.1 is 0.3, as a person wrote it.
      return Array.from({ length: n + 1 }, (_, i) => Number(((from as number) + i * (step as number)).toPrecision(12)));
    }
  }
  throw new SpecError(
    `matrix.${key} must be a list of values or a range {from, to, step} with step > 0 and to >= from`,
    { ...place, key: `matrix.${key}` },
    'for example [0.1, 0.2] or {from: 0.1, to: 0.5, step: 0.1}',
  );
}
