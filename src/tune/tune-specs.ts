// The specs a tune runs, made from the user's spec (pure): trial specs (only the objective stage and what it reads,
// scored on the validation split, the trials as one zipped matrix axis) and the final spec of a chosen trial
// (every stage, as written, with the chosen values set).

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
  doc.exclude = (doc.exclude ?? []).filter((rule) => !Object.keys(rule).some(dropped));
  if (!doc.exclude.length) delete doc.exclude;
  if (search.resource && input.resource !== undefined) setAt(doc as unknown as JsonObject, input.pathOf(search.resource.key), input.resource);
  return doc;
}

/** The whole spec for one group, with its chosen trial's values (and, for halving, the resource it was chosen at). */
export function finalSpec(doc: SpecFile, search: SearchBlock, values: TrialValues, pathOf: KeyPath, group: Group, resource?: number): SpecFile {
  const out = structuredClone(doc);
  delete out.search;
  for (const [key, value] of Object.entries(values)) setAt(out as unknown as JsonObject, pathOf(key), value);
  if (search.resource && resource !== undefined) setAt(out as unknown as JsonObject, pathOf(search.resource.key), resource);
  if (out.matrix && Object.keys(group).length) out.matrix = onlyGroup(out.matrix, group);
  return out;
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
