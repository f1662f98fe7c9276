// A spec's `search:` block (what `pipe tune` searches, docs/tune.md) checked and read into a SearchBlock. Every
// problem is a SpecError at the position of the key that has it, all of them collected before anything runs.

import type { StageType } from '../core/stage-type.js';
import { SpecError, type Place } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { ErrorCollector } from './collect-errors.js';
import { didYouMean } from './did-you-mean.js';
import type { Path } from './load-yaml.js';
import { matrixKeys } from './matrix.js';
import { overrideTarget } from './overrides.js';
import type { SpecFile } from './spec-schema.js';

export type Distribution =
  | { kind: 'choice'; values: Json[] }
  | { kind: 'uniform' | 'loguniform' | 'int'; low: number; high: number };

export interface SpaceEntry {
  /** A `--set` key: STAGE.PARAM or a `params:` entry. */
  key: string;
  dist: Distribution;
}

export type Scheduler = 'random' | 'halving' | 'tpe';
export type ObjectiveMetric = 'ua' | 'accuracy' | 'macroF1';

export interface SearchBlock {
  space: SpaceEntry[];
  scheduler: Scheduler;
  trials: number;
  /** Successive halving's budget: the key it raises rung by rung, from min to max. */
  resource?: { key: string; min: number; max: number };
  eta: number;
  objective: { stage: string; metric: ObjectiveMetric };
  /** Matrix keys: a separate choice for each combination of their values. */
  per: string[];
  /** Exclude rules (on the spec's matrix keys) for trial plans only: a cheaper protocol to search on. */
  exclude: JsonObject[];
  seed: number;
}

export const SEARCH_KEYS = ['space', 'scheduler', 'trials', 'resource', 'eta', 'objective', 'per', 'exclude', 'seed'];
export const SCHEDULERS: readonly Scheduler[] = ['random', 'halving', 'tpe'];
export const OBJECTIVE_METRICS: readonly ObjectiveMetric[] = ['ua', 'accuracy', 'macroF1'];
const DISTRIBUTIONS = ['choice', 'uniform', 'loguniform', 'int'];

/** The spec's search block, checked; a SpecError (or SpecErrors) when it is missing or wrong. */
export function readSearchBlock(doc: SpecFile, types: ReadonlyMap<string, StageType>, place: (p: Path) => Place): SearchBlock {
  const raw = doc.search as Json | undefined;
  if (!isMap(raw)) {
    throw new SpecError('the spec has no search: block', place([]), 'add one (docs/tune.md), e.g. search: { space: { train.lr: { loguniform: [0.0001, 0.01] } }, trials: 10 }');
  }
  const errors = new ErrorCollector();
  const at = (...path: (string | number)[]): Place => place(['search', ...path]);
  for (const key of Object.keys(raw)) {
    if (!SEARCH_KEYS.includes(key)) errors.guard(() => fail(`search has no key "${key}"`, at(key), didYouMean(key, SEARCH_KEYS)));
  }
  const scheduler = errors.guard(() => oneOf(raw.scheduler ?? 'random', SCHEDULERS, at('scheduler'), 'search.scheduler'));
  const trials = errors.guard(() => positiveInt(raw.trials ?? 20, at('trials'), 'search.trials', 1));
  const eta = errors.guard(() => positiveInt(raw.eta ?? 3, at('eta'), 'search.eta', 2));
  const seed = errors.guard(() => integer(raw.seed ?? 1, at('seed'), 'search.seed'));
  const objective = errors.guard(() => readObjective(raw.objective, doc, types, at));
  const per = errors.guard(() => readPer(raw.per, doc, at, objective?.stage)) ?? [];
  const exclude = errors.guard(() => readExclude(raw.exclude, doc, at)) ?? [];
  const resource = scheduler === 'halving' ? errors.guard(() => readResource(raw.resource, doc, types, at)) : undefined;
  if (scheduler !== 'halving' && raw.resource !== undefined) {
    errors.guard(() => fail('search.resource is for scheduler: halving', at('resource'), 'remove it, or set scheduler: halving'));
  }
  const space = errors.guard(() => readSpace(raw.space, doc, types, at, { per, resource: resource?.key, objective: objective?.stage })) ?? [];
  errors.throwIfAny();
  return { space, scheduler: scheduler!, trials: trials!, resource, eta: eta!, objective: objective!, per, exclude, seed: seed! };
}

function readSpace(
  raw: Json | undefined,
  doc: SpecFile,
  types: ReadonlyMap<string, StageType>,
  at: (...p: (string | number)[]) => Place,
  taken: { per: string[]; resource?: string; objective?: string },
): SpaceEntry[] {
  if (!isMap(raw) || !Object.keys(raw).length) {
    fail('search.space must map keys to distributions', at('space'), 'e.g. space: { train.lr: { loguniform: [0.0001, 0.01] }, train.model: { choice: [cnn, logreg] } }');
  }
  const errors = new ErrorCollector();
  const inMatrix = matrixKeys(doc.matrix ?? {});
  const upstream = taken.objective ? upstreamStages(doc, taken.objective) : undefined;
  const entries: SpaceEntry[] = [];
  for (const [key, spec] of Object.entries(raw as JsonObject)) {
    const place = { ...at('space', key), key: `search.space.${key}` };
    errors.guard(() => {
      const path = overrideTarget(doc, key, types, place);
      if (inMatrix.includes(key)) fail(`${key} is also a matrix key`, place, 'a key is either searched or varied by the matrix: remove it from one');
      if (taken.objective && path.join('.') === `stages.${taken.objective}.params.split`) {
        fail(`${key}: a search is scored on the validation split only`, place, 'remove it; pipe tune sets the split to val for trials and evaluates the choice on the split the spec names');
      }
      if (taken.per.includes(key) || key === taken.resource) fail(`${key} is also named by search.per or search.resource`, place, 'search it, or name it there, not both');
      if (upstream && path[0] === 'stages' && !upstream.has(String(path[1]))) {
        fail(`${key} is a param of stage ${path[1]}, which the objective stage ${taken.objective} does not read`, place, `search params of ${taken.objective} and the stages before it`);
      }
      entries.push({ key, dist: readDistribution(spec, place) });
    });
  }
  errors.throwIfAny();
  return entries;
}

/** `{ choice: [...] }`, `{ uniform: [lo, hi] }`, `{ loguniform: [lo, hi] }` or `{ int: [lo, hi] }`. */
export function readDistribution(spec: Json | undefined, place: Place): Distribution {
  const example = 'write one of { choice: [a, b] }, { uniform: [0, 1] }, { loguniform: [0.0001, 0.01] }, { int: [1, 10] }';
  if (!isMap(spec) || Object.keys(spec).length !== 1) return fail('must be a map with one distribution', place, example);
  const [kind, value] = Object.entries(spec)[0];
  if (!DISTRIBUTIONS.includes(kind)) return fail(`unknown distribution "${kind}"`, place, didYouMean(kind, DISTRIBUTIONS));
  if (kind === 'choice') {
    if (!Array.isArray(value) || !value.length) return fail(`choice needs a non-empty list`, place, 'e.g. { choice: [cnn, logreg] }');
    return { kind, values: value };
  }
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return fail(`${kind} needs [low, high], two numbers`, place, `e.g. { ${kind}: [1, 10] }`);
  }
  const [low, high] = value as number[];
  if (low > high) return fail(`${kind} has low ${low} > high ${high}`, place, `write [${high}, ${low}]`);
  if (kind === 'loguniform' && low <= 0) return fail(`loguniform needs low > 0, got ${low}`, place, 'a log scale starts above zero, e.g. [0.0001, 0.01]');
  if (kind === 'int' && !(Number.isInteger(low) && Number.isInteger(high))) return fail(`int needs whole numbers, got [${low}, ${high}]`, place, 'e.g. { int: [32, 96] }');
  return { kind: kind as 'uniform' | 'loguniform' | 'int', low, high };
}

function readObjective(raw: Json | undefined, doc: SpecFile, types: ReadonlyMap<string, StageType>, at: (...p: (string | number)[]) => Place) {
  const spec: JsonObject = raw === undefined ? {} : isMap(raw) ? raw : fail('search.objective must be a map', at('objective'), 'e.g. objective: { stage: evaluate, metric: ua }');
  for (const key of Object.keys(spec)) {
    if (!['stage', 'metric', 'split'].includes(key)) fail(`search.objective has no key "${key}"`, at('objective', key), didYouMean(key, ['stage', 'metric', 'split']));
  }
  const stage = spec.stage ?? 'evaluate';
  const stagePlace = { ...at('objective', 'stage'), key: 'search.objective.stage' };
  const stages = Object.keys(doc.stages ?? {});
  if (typeof stage !== 'string' || !stages.includes(stage)) return fail(`no stage "${String(stage)}"`, stagePlace, didYouMean(String(stage), stages));
  const type = types.get(doc.stages?.[stage]?.type ?? '');
  if (!Object.hasOwn((type?.paramsSchema.properties ?? {}) as object, 'split')) {
    fail(`stage ${stage} has no split param, so it cannot be scored on the validation split`, stagePlace, 'name an evaluate stage');
  }
  if (spec.split !== undefined && spec.split !== 'val') {
    fail(`${JSON.stringify(spec.split)}: a search is scored on the validation split only`, { ...at('objective', 'split'), key: 'search.objective.split' }, 'remove split (it is always val); the chosen configuration is then evaluated on test');
  }
  const metric = oneOf(spec.metric ?? 'ua', OBJECTIVE_METRICS, at('objective', 'metric'), 'search.objective.metric');
  return { stage, metric };
}

function readPer(raw: Json | undefined, doc: SpecFile, at: (...p: (string | number)[]) => Place, objective?: string): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || !raw.every((k) => typeof k === 'string')) return fail('search.per must be a list of matrix keys', at('per'), 'e.g. per: [ingest.classes]');
  const keys = matrixKeys(doc.matrix ?? {});
  // Trial plans drop the matrix keys of stages the objective does not read, so their groups could not be told apart.
  const upstream = objective ? upstreamStages(doc, objective) : undefined;
  raw.forEach((k, i) => {
    const place = { ...at('per', i), key: `search.per.${i}` };
    if (!keys.includes(k as string)) fail(`"${String(k)}" is not a matrix key`, place, `matrix keys: ${keys.join(', ') || 'none'}`);
    const stage = (k as string).split('.')[0];
    if (upstream && Object.hasOwn(doc.stages ?? {}, stage) && !upstream.has(stage)) {
      fail(`${String(k)} is a param of stage ${stage}, which the objective stage ${objective} does not read`, place, `choose per matrix keys of ${objective} and the stages before it`);
    }
  });
  return raw as string[];
}

function readExclude(raw: Json | undefined, doc: SpecFile, at: (...p: (string | number)[]) => Place): JsonObject[] {
  if (raw === undefined) return [];
  const example = 'e.g. exclude: [{ seed: 3 }, { seed: 4 }] searches on the other seeds only';
  if (!Array.isArray(raw) || !raw.every(isMap)) return fail('search.exclude must be a list of maps of matrix keys', at('exclude'), example);
  const keys = matrixKeys(doc.matrix ?? {});
  raw.forEach((rule, i) => {
    for (const key of Object.keys(rule as JsonObject)) {
      if (!keys.includes(key)) fail(`"${key}" is not a matrix key`, { ...at('exclude', i, key), key: `search.exclude.${i}.${key}` }, `matrix keys: ${keys.join(', ') || 'none'}`);
    }
  });
  return raw as JsonObject[];
}

function readResource(raw: Json | undefined, doc: SpecFile, types: ReadonlyMap<string, StageType>, at: (...p: (string | number)[]) => Place) {
  const place = { ...at('resource'), key: 'search.resource' };
  if (!isMap(raw)) return fail('scheduler: halving needs search.resource', place, 'e.g. resource: { key: train.epochs, min: 10, max: 90 }');
  if (typeof raw.key !== 'string') return fail('search.resource.key must name a param', { ...at('resource', 'key'), key: 'search.resource.key' }, 'e.g. key: train.epochs');
  const keyPlace = { ...at('resource', 'key'), key: 'search.resource.key' };
  overrideTarget(doc, raw.key, types, keyPlace);
  if (matrixKeys(doc.matrix ?? {}).includes(raw.key)) fail(`${raw.key} is also a matrix key`, keyPlace, 'halving sets the resource itself: remove it from the matrix');
  const min = positiveInt(raw.min, at('resource', 'min'), 'search.resource.min', 1);
  const max = positiveInt(raw.max, at('resource', 'max'), 'search.resource.max', 1);
  if (min > max) fail(`search.resource: min ${min} > max ${max}`, place, `write min: ${max}, max: ${min}`);
  return { key: raw.key, min, max };
}

/** The objective stage and every stage it reads, directly or not. */
export function upstreamStages(doc: SpecFile, stage: string): Set<string> {
  const out = new Set<string>();
  const visit = (name: string): void => {
    if (out.has(name)) return;
    out.add(name);
    for (const need of doc.stages?.[name]?.needs ?? []) visit(need);
  };
  visit(stage);
  return out;
}

function oneOf<T extends string>(value: Json, allowed: readonly T[], place: Place, key: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  return fail(`unknown value ${JSON.stringify(value)}`, { ...place, key }, didYouMean(String(value), allowed));
}

function positiveInt(value: Json | undefined, place: Place, key: string, min: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  return fail(`must be a whole number >= ${min}, got ${JSON.stringify(value ?? null)}`, { ...place, key });
}

function integer(value: Json, place: Place, key: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return fail(`must be an integer, got ${JSON.stringify(value)}`, { ...place, key }, 'e.g. seed: 1');
}

function fail(message: string, place: Place, hint?: string): never {
  throw new SpecError(message, place, hint);
}

function isMap(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
