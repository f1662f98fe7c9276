// `matrix:` (lists or {from, to, step} ranges), `exclude:` and `repeat:` expanded into cells. A key joining
// several keys with `+` zips them: `split.val+split.test: [[0.1, 0.2], [0.2, 0.3]]` varies both together.
// `repeat: N` runs each combination with seeds seed .. seed+N-1 (from the matrix's `seed` when it has one).

import type { CellInfo } from '../core/cell.js';
import { SpecError, type Place } from '../errors.js';
import { canonicalJson, type Json, type JsonObject } from '../json.js';

export interface MatrixInput {
  matrix: Record<string, unknown>;
  exclude: Record<string, unknown>[];
  repeat: number;
  seed: number;
  placeOf: (path: (string | number)[]) => Place;
  /** Refuse a plan of more cells than this, before expanding it. */
  maxCells: number;
}

/** Plans larger than this are refused before they are expanded (`--max-cells` raises it). */
export const DEFAULT_MAX_CELLS = 10_000;

/** One matrix axis; a range's values are computed on demand, so a range to 1e12 costs nothing until counted. */
interface Axis {
  key: string;
  /** The keys it sets: one, or several zipped with `+`. */
  parts: string[];
  length: number;
  value(i: number): Json;
}

export function expandMatrix(input: MatrixInput): CellInfo[] {
  const axes = Object.entries(input.matrix).map(([key, spec]) => axisOf(key, spec, input.placeOf(['matrix', key])));
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
  const rules = checkSize(axes, input);
  const combos = keptCombos(axes, rules).map((indices) => {
    const combo: JsonObject = {};
    axes.forEach((axis, a) => {
      const v = axis.value(indices[a]);
      if (axis.parts.length === 1) combo[axis.key] = v;
      else axis.parts.forEach((p, i) => (combo[p] = (v as Json[])[i]));
    });
    return combo;
  });
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

/**
 * An exclude rule as, per axis it names, the set of value indices it matches (a zipped axis matches where every
 * part the rule names matches). A cell is excluded when one rule matches it on every axis that rule names.
 */
type Rule = Map<number, Set<number>>;

/** A key set by two axes takes the later one's value, as the expanded cell does. */
function axisOfKey(axes: Axis[]): Map<string, number> {
  const out = new Map<string, number>();
  axes.forEach((axis, a) => axis.parts.forEach((p) => out.set(p, a)));
  return out;
}

/** Enumerates the values of the axes the rules name: call it only once their product is known to be small. */
function excludeRules(axes: Axis[], exclude: Record<string, unknown>[]): Rule[] {
  const axisOf = axisOfKey(axes);
  return exclude.map((rule) => {
    const out: Rule = new Map();
    const wanted = new Map<number, [number, string][]>();
    for (const [key, v] of Object.entries(rule)) {
      const a = axisOf.get(key)!;
      wanted.set(a, [...(wanted.get(a) ?? []), [axes[a].parts.indexOf(key), canonicalJson(v)]]);
    }
    for (const [a, parts] of wanted) {
      const axis = axes[a];
      const matching = new Set<number>();
      for (let i = 0; i < axis.length; i++) {
        const v = axis.value(i);
        const partOf = (p: number): Json => (axis.parts.length === 1 ? v : (v as Json[])[p]);
        if (parts.every(([p, c]) => canonicalJson(partOf(p)) === c)) matching.add(i);
      }
      out.set(a, matching);
    }
    return out;
  });
}

/** Combinations of the axes named by exclude rules beyond which cells are counted before exclusion. */
const COUNT_BY_ENUMERATION = 1_000_000;

/**
 * Refuses, before anything is expanded, a plan of more cells than `maxCells`: cells are the product of the axes'
 * lengths, less what exclude removes (counted exactly while the axes exclude names have at most
 * COUNT_BY_ENUMERATION combinations, else not subtracted), times repeat. Returns the exclude rules.
 */
function checkSize(axes: Axis[], input: MatrixInput): Rule[] {
  const product = (list: Axis[]): number => list.reduce((n, a) => n * a.length, 1);
  const axisOf = axisOfKey(axes);
  const named = [...new Set(input.exclude.flatMap((rule) => Object.keys(rule).map((k) => axisOf.get(k)!)))].map((a) => axes[a]);
  let combos = product(axes);
  let exact = !named.length;
  let rules: Rule[] | undefined;
  if (combos * input.repeat <= input.maxCells || product(named) <= COUNT_BY_ENUMERATION) {
    rules = excludeRules(axes, input.exclude);
    if (named.length) combos = keptCount(axes, rules) * (combos / product(named));
    exact = true;
  }
  const cells = combos * input.repeat;
  if (rules && cells <= input.maxCells) return rules;
  const largest = axes.reduce<Axis | undefined>((m, a) => (!m || a.length > m.length ? a : m), undefined);
  const place =
    largest && largest.length > input.maxCells
      ? { ...input.placeOf(['matrix', largest.key]), key: `matrix.${largest.key}` }
      : combos <= input.maxCells
        ? { ...input.placeOf(['repeat']), key: 'repeat' }
        : { ...input.placeOf(['matrix']), key: 'matrix' };
  const excluded = exact && named.length ? [`less ${count(product(axes) - combos)} excluded`] : [];
  const sizes = [...axes.map((a) => `${a.key}: ${count(a.length)} value${a.length === 1 ? '' : 's'}`), ...(input.repeat > 1 ? [`repeat ${count(input.repeat)}`] : [])];
  throw new SpecError(
    `the matrix has ${count(cells)} cells${exact ? '' : ' before exclude'} (limit ${input.maxCells}; raise it with --max-cells)`,
    place,
    `${[sizes.join(' × '), ...excluded].join(', ')}; each cell is a run of the pipeline: use fewer values, or raise the limit if you mean it`,
  );
}

const count = (n: number): string => (Number.isSafeInteger(n) ? String(n) : n.toExponential(2));

/** How many combinations of the axes the rules name are not excluded (an odometer; nothing is kept). */
function keptCount(axes: Axis[], rules: Rule[]): number {
  const named = axes.map((_, a) => a).filter((a) => rules.some((r) => r.has(a)));
  const at = named.map(() => 0);
  let kept = 0;
  for (;;) {
    const excluded = rules.some((r) => named.every((a, j) => !r.has(a) || r.get(a)!.has(at[j])));
    if (!excluded) kept++;
    let j = named.length - 1;
    while (j >= 0 && ++at[j] === axes[named[j]].length) at[j--] = 0;
    if (j < 0) return kept;
  }
}

/**
 * Value indices of every kept combination, in the order written (first axis outermost). A combination is dropped
 * as soon as the axes a rule names are all set, so excluded cells are never built.
 */
function keptCombos(axes: Axis[], rules: Rule[]): number[][] {
  if (rules.some((r) => r.size === 0)) return []; // `- {}` names nothing, so it matches every cell
  const lastAxis = rules.map((r) => Math.max(...r.keys()));
  let partial: number[][] = [[]];
  axes.forEach((axis, a) => {
    const next: number[][] = [];
    const deciding = rules.filter((_, k) => lastAxis[k] === a);
    for (const combo of partial) {
      for (let i = 0; i < axis.length; i++) {
        const c = [...combo, i];
        if (!deciding.some((r) => [...r].every(([ra, set]) => set.has(c[ra])))) next.push(c);
      }
    }
    partial = next;
  });
  return partial;
}

/** The individual keys a matrix sets (zipped keys split apart). */
export function matrixKeys(matrix: Record<string, unknown>): string[] {
  return Object.keys(matrix).flatMap((k) => k.split('+'));
}

function axisOf(key: string, spec: unknown, place: Place): Axis {
  const parts = key.split('+');
  if (Array.isArray(spec)) {
    if (!spec.length) throw new SpecError(`matrix.${key} is an empty list`, { ...place, key: `matrix.${key}` }, 'give at least one value');
    const width = parts.length;
    if (width > 1 && !spec.every((v) => Array.isArray(v) && v.length === width)) {
      throw new SpecError(`matrix.${key} zips ${width} keys: each value must be a list of ${width}`, { ...place, key: `matrix.${key}` }, `for example [[0.1, 0.2], [0.2, 0.3]]`);
    }
    const values = spec as Json[];
    return { key, parts, length: values.length, value: (i) => values[i] };
  }
  if (spec !== null && typeof spec === 'object') {
    const { from, to, step } = spec as Record<string, unknown>;
    if ([from, to, step].every((x) => typeof x === 'number') && (step as number) > 0 && (to as number) >= (from as number)) {
      const [f, s] = [from as number, step as number];
      const n = Math.floor(((to as number) - f) / s + 1e-9);
      // Rounded so that 0.1 + 2 * 0.1 is 0.3, as a person wrote it.
      return { key, parts, length: n + 1, value: (i) => Number((f + i * s).toPrecision(12)) };
    }
  }
  throw new SpecError(
    `matrix.${key} must be a list of values or a range {from, to, step} with step > 0 and to >= from`,
    { ...place, key: `matrix.${key}` },
    'for example [0.1, 0.2] or {from: 0.1, to: 0.5, step: 0.1}',
  );
}
