// Resolved cells → stage instances. Instances of one stage with the same cache key are one instance serving
// every cell that computes it (one ingest for all models); a plan-scope stage (compare) is one instance that
// reads its needed stages' instances from every cell.

import type { CellInfo } from '../core/cell.js';
import type { StageType } from '../core/stage-type.js';
import type { Place } from '../errors.js';
import { canonicalJson, type Json, type JsonObject } from '../json.js';
import { cacheKey } from './cache-key.js';
import type { Path } from './load-yaml.js';
import type { StageInstance } from './plan-types.js';
import type { ResolvedStage } from './resolve-cell.js';

export interface InstanceInput {
  /** One map per cell, in the order of `cells`. */
  resolved: Map<string, ResolvedStage>[];
  cells: CellInfo[];
  /** Stage names in dependency order. */
  order: string[];
  types: ReadonlyMap<string, StageType>;
  /** The keys the matrix varies, in the order written (with `seed` when `repeat` > 1), for instance labels. */
  matrixKeys: string[];
  place: (path: Path) => Place;
  /** The digest of the contents of a file or folder param's value (see LoadPlanOptions.contents). */
  contents?: (path: string) => string;
}

/** The plan's instances in dependency order, with readable ids. */
export function buildInstances(input: InstanceInput): StageInstance[] {
  const { resolved, cells, order, types } = input;
  const groups: StageInstance[][] = [];
  // The instance each cell uses for each stage name.
  const used = cells.map(() => new Map<string, StageInstance>());
  for (const name of order) {
    const stage = types.get(resolved[0].get(name)!.type)!;
    const byKey = new Map<string, StageInstance>();
    const serve = (ci: number, needs: StageInstance[], seed: number): void => {
      const r = resolved[ci].get(name)!;
      const candidate = makeInstance(name, stage, r.params, needs, seed, input.place(['stages', name]), input.contents);
      const inst = byKey.get(candidate.key) ?? candidate;
      byKey.set(inst.key, inst);
      inst.cells.push(cells[ci].id);
      used[ci].set(name, inst);
    };
    if (stage.scope === 'plan') {
      const needs = unique(resolved[0].get(name)!.needs.flatMap((need) => used.map((m) => m.get(need)!)));
      // The matrix cannot vary a plan-scope stage's params, so every cell computes this same instance.
      cells.forEach((_, ci) => serve(ci, needs, cells[0].seed));
    } else {
      cells.forEach((cell, ci) => serve(ci, resolved[ci].get(name)!.needs.map((need) => used[ci].get(need)!), cell.seed));
    }
    groups.push([...byKey.values()]);
  }
  return readableIds(groups, cells, input.matrixKeys);
}

function makeInstance(
  name: string,
  stage: StageType,
  params: JsonObject,
  needs: StageInstance[],
  seed: number,
  place: Place,
  contents: ((path: string) => string) | undefined,
): StageInstance {
  const key = cacheKey({
    type: stage.type,
    version: stage.version,
    params: withContents(params, stage, contents),
    inputs: needs.map((n) => n.key),
    seed: stage.usesSeed ? seed : null,
    code: stage.codeDigest,
  });
  return { id: `${name}#${key}`, name, type: stage.type, version: stage.version, params, seed, needs: needs.map((n) => n.id), key, cells: [], place };
}

/** The params as they enter the key: each file or folder param replaced by the digest of what it names. */
function withContents(params: JsonObject, stage: StageType, contents: ((path: string) => string) | undefined): JsonObject {
  const paths = contents ? (stage.fileParams?.(params) ?? []) : [];
  if (!paths.length) return params;
  const out = structuredClone(params);
  for (const path of paths) {
    const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string, Json>)[k], out) as Record<string | number, Json>;
    const value = parent[path[path.length - 1]];
    if (typeof value === 'string') parent[path[path.length - 1]] = contents!(value);
  }
  return out;
}

/**
 * Ids a person can read: the stage name when it has one instance, else `name[k=v,...]` with the matrix values all
 * its cells share (plus the key's start if two instances still collide). Needs are renamed to match.
 */
function readableIds(groups: StageInstance[][], cells: CellInfo[], matrixKeys: string[]): StageInstance[] {
  const valuesOf = new Map(cells.map((c) => [c.id, c.values]));
  const renamed = new Map<string, string>();
  const byId = new Map(groups.flat().map((i) => [i.id, i]));
  const stageNames = new Set(groups.flat().map((i) => i.name));
  for (const group of groups) {
    if (group.length === 0) continue;
    const taken = new Set<string>();
    // A key of a stage that is neither this one nor upstream of it says nothing about its instances (ingest is not
    // `ingest[train.lr=0.1]` because every cell it serves trains at 0.1). A group is one stage's instances, which
    // all need the same stages, so its first instance answers for all.
    const upstream = upstreamNames(group[0], byId);
    const keys = matrixKeys.filter((k) => !stageNames.has(k.split('.')[0]) || upstream.has(k.split('.')[0]));
    for (const inst of group) {
      const label = commonLabel(inst.cells.map((c) => valuesOf.get(c)!), keys);
      let id = group.length === 1 ? inst.name : `${inst.name}[${label}]`;
      if (group.length > 1 && (!label || taken.has(id))) id = `${inst.name}[${label ? label + ',' : ''}${inst.key.slice(0, 6)}]`;
      taken.add(id);
      renamed.set(inst.id, id);
      inst.matrixKeys = keys;
    }
  }
  const instances = groups.flat();
  for (const inst of instances) {
    inst.id = renamed.get(inst.id)!;
    inst.needs = inst.needs.map((n) => renamed.get(n)!);
  }
  return instances;
}

/** The names of an instance's stage and of every stage it needs, directly or not. */
function upstreamNames(inst: StageInstance, byId: ReadonlyMap<string, StageInstance>): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const todo = [inst];
  while (todo.length) {
    const next = todo.pop()!;
    if (seen.has(next.id)) continue;
    seen.add(next.id);
    names.add(next.name);
    for (const n of next.needs) todo.push(byId.get(n)!);
  }
  return names;
}

/** `k=v,k=v` of the matrix values every one of these cells shares; a null (the key left out) is not named. */
function commonLabel(values: JsonObject[], keys: string[]): string {
  return keys
    .filter((k) => values.every((v) => Object.hasOwn(v, k) && canonicalJson(v[k]) === canonicalJson(values[0][k])))
    .filter((k) => values[0][k] !== null)
    .map((k) => `${k}=${typeof values[0][k] === 'string' ? values[0][k] : canonicalJson(values[0][k])}`)
    .join(',');
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
