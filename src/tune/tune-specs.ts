// The specs a tune runs, made from the user's spec (pure): trial specs (only the objective stage and what it reads,
// scored on the validation split, the trials as one zipped matrix axis) and the final spec (every stage, as
// written, with each group's chosen values).

import { canonicalJson, type Json, type JsonObject } from '../json.js';
import type { Path } from '../pipeline-spec/load-yaml.js';
import { setAt } from '../pipeline-spec/overrides.js';
import { upstreamStages, type SearchBlock } from '../pipeline-spec/search-block.js';
import type { SpecFile } from '../pipeline-spec/spec-schema.js';
import type { Trial, TrialValues } from './sample-space.js';

/** Where a `--set` key points in the spec (overrideTarget with the stage types bound). */
export type KeyPath = (key: string) => Path;

/** A `per` group: per key → value (null where a cell leaves the key out). */
export type Group = JsonObject;

export interface TrialSpecInput {
  doc: SpecFile;
  search: SearchBlock;
  trials: readonly Trial[];
  pathOf: KeyPath;
  /** Halving: the rung's resource, set on search.resource.key. */
  resource?: number;
  /** Only this group's cells (a halving rung after the first promotes per group). */
  group?: Group;
}

export function trialSpec(input: TrialSpecInput): SpecFile {
  const { search } = input;
  const doc = structuredClone(input.doc);
  delete doc.search;
  const keep = upstreamStages(doc, search.objective.stage);
  doc.stages = Object.fromEntries(Object.entries(doc.stages ?? {}).filter(([name]) => keep.has(name)));
  setAt(doc as unknown as JsonObject, ['stages', search.objective.stage, 'params', 'split'], 'val');
  const splitKey = `${search.objective.stage}.split`;
  const dropped = (key: string): boolean => key === splitKey || (Object.hasOwn(input.doc.stages ?? {}, key.split('.')[0]) && !keep.has(key.split('.')[0]));
  let matrix = dropKeys(doc.matrix ?? {}, dropped);
  if (input.group) matrix = onlyGroup(matrix, input.group);
  const keys = search.space.map((s) => s.key);
  const tuples = unique(input.trials.map((t) => keys.map((k) => t.values[k])));
  matrix[keys.join('+')] = keys.length === 1 ? tuples.map((t) => t[0]) : tuples;
  doc.matrix = matrix;
  doc.exclude = [...(doc.exclude ?? []), ...search.exclude].filter((rule) => !Object.keys(rule).some(dropped));
  if (!doc.exclude.length) delete doc.exclude;
  if (search.resource && input.resource !== undefined) setAt(doc as unknown as JsonObject, input.pathOf(search.resource.key), input.resource);
  return doc;
}

/** A group's choice: the values of its chosen trial. */
export interface Chosen {
  group: Group;
  values: TrialValues;
}

/**
 * The whole spec with the chosen values, as one plan over every group (for halving, at the resource the choice was
 * made at). Without `per` the values are set as params. With `per`, the matrix axes that set a per key become one
 * zipped axis whose entries carry each group's chosen values beside its matrix values, so that the final run has
 * the cells and the compare table of the spec as written; a group without a choice is left out.
 */
export function finalSpec(doc: SpecFile, search: SearchBlock, chosen: readonly Chosen[], pathOf: KeyPath, resource?: number): SpecFile {
  const out = structuredClone(doc);
  delete out.search;
  if (search.resource && resource !== undefined) setAt(out as unknown as JsonObject, pathOf(search.resource.key), resource);
  if (!search.per.length) {
    for (const [key, value] of Object.entries(chosen[0]?.values ?? {})) setAt(out as unknown as JsonObject, pathOf(key), value);
    return out;
  }
  const matrix = out.matrix ?? {};
  const perAxes = Object.keys(matrix).filter((axis) => axis.split('+').some((p) => search.per.includes(p)));
  const parts = [...new Set(perAxes.flatMap((axis) => axis.split('+')))];
  let combos: JsonObject[] = [{}];
  for (const axis of perAxes) {
    const axisParts = axis.split('+');
    const entries = axisEntries(matrix[axis]);
    combos = combos.flatMap((c) => entries.map((e) => ({ ...c, ...Object.fromEntries(axisParts.map((p, i) => [p, axisParts.length === 1 ? e : (e as Json[])[i]])) })));
  }
  const keys = search.space.map((s) => s.key);
  const entries = combos.flatMap((c) => {
    const choice = chosen.find((x) => canonicalJson(x.group) === canonicalJson(groupOf(c, search.per)));
    return choice ? [[...parts.map((p) => c[p] ?? null), ...keys.map((k) => choice.values[k] ?? null)]] : [];
  });
  const combined: Record<string, unknown> = {};
  for (const [axis, spec] of Object.entries(matrix)) {
    if (!perAxes.includes(axis)) combined[axis] = spec;
    else if (axis === perAxes[0]) combined[[...parts, ...keys].join('+')] = entries;
  }
  out.matrix = combined;
  return out;
}

/** A matrix axis's values: a list as written, or a range expanded as the matrix expands it. */
function axisEntries(spec: unknown): Json[] {
  if (Array.isArray(spec)) return spec as Json[];
  const { from, to, step } = spec as { from: number; to: number; step: number };
  const n = Math.floor((to - from) / step + 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => Number((from + i * step).toPrecision(12)));
}

/** A cell's group: its values of the `per` keys. */
export function groupOf(values: JsonObject, per: readonly string[]): Group {
  return Object.fromEntries(per.map((k) => [k, values[k] ?? null]));
}

/** The matrix without the keys `drop` names; a zipped axis keeps its other parts, repeated entries once. */
function dropKeys(matrix: Record<string, unknown>, drop: (key: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [axis, spec] of Object.entries(matrix)) {
    const parts = axis.split('+');
    const kept = parts.map((p, i) => [p, i] as const).filter(([p]) => !drop(p));
    if (!kept.length) continue;
    if (kept.length === parts.length || !Array.isArray(spec)) {
      out[axis] = spec;
      continue;
    }
    const entries = (spec as Json[][]).map((e) => kept.map(([, i]) => e[i]));
    const key = kept.map(([p]) => p).join('+');
    out[key] = kept.length === 1 ? unique(entries).map((e) => e[0]) : unique(entries);
  }
  return out;
}

/** The matrix restricted to one group's values: each axis that sets a per key keeps the entries that match. */
function onlyGroup(matrix: Record<string, unknown>, group: Group): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [axis, spec] of Object.entries(matrix)) {
    const parts = axis.split('+');
    const named = parts.map((p, i) => [p, i] as const).filter(([p]) => Object.hasOwn(group, p));
    if (!named.length) {
      out[axis] = spec;
    } else if (!Array.isArray(spec)) {
      out[axis] = [group[parts[0]]];
    } else {
      const entry = (e: Json, i: number): Json => (parts.length === 1 ? e : (e as Json[])[i]);
      out[axis] = (spec as Json[]).filter((e) => named.every(([p, i]) => canonicalJson(entry(e, i)) === canonicalJson(group[p])));
    }
  }
  return out;
}

function unique<T>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const id = canonicalJson(x);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
