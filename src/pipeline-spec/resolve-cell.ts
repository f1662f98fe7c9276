// One cell of the matrix resolved: its values set on the spec, references replaced, every stage's params
// validated against its type's schema (defaults filled in) and the checks across params of one stage.

import type { ValidateFunction } from 'ajv';
import type { CellInfo } from '../core/cell.js';
import type { StageType } from '../core/stage-type.js';
import { SpecError, type Place } from '../errors.js';
import type { JsonObject } from '../json.js';
import { ErrorCollector, throwAll } from './collect-errors.js';
import { compiledValidator } from './compiled-validators.js';
import type { Path } from './load-yaml.js';
import { deleteAt, overrideTarget, setAt } from './overrides.js';
import { resolveReferences } from './references.js';
import { schemaErrors } from './schema-errors.js';
import type { SpecPlaces } from './spec-places.js';
import type { SpecFile } from './spec-schema.js';

export interface ResolvedStage {
  name: string;
  type: string;
  needs: string[];
  params: JsonObject;
}

export interface CellInput {
  /** The spec after extends and `--set`. */
  doc: SpecFile;
  cell: CellInfo;
  /** Stage names in dependency order. */
  order: string[];
  types: ReadonlyMap<string, StageType>;
  places: SpecPlaces;
  /** Where the matrix wrote each of the cell's keys. */
  matrixPlace: (key: string) => Place;
  env: Record<string, string | undefined>;
}

// useDefaults: the defaults are part of the params, so of the cache key, and a stage sees the values it ran with.
// validateSchema: false, as in load-spec.ts: built-in schemas are checked by a test, a module stage's when it loads.
const AJV_OPTIONS = { allErrors: true, useDefaults: true, strict: false, verbose: true, validateSchema: false };
const validators = new Map<StageType, ValidateFunction>();

function validatorFor(stage: StageType): ValidateFunction {
  let v = validators.get(stage);
  if (!v) {
    v = compiledValidator(stage.paramsSchema, AJV_OPTIONS);
    validators.set(stage, v);
  }
  return v;
}

/** Every stage of the cell with final params, by name; all problems at once as SpecErrors. */
export function resolveCell(input: CellInput): Map<string, ResolvedStage> {
  const doc = structuredClone(input.doc) as unknown as JsonObject;
  let places = input.places;
  for (const [key, value] of Object.entries(input.cell.values)) {
    const path = overrideTarget(doc as unknown as SpecFile, key, input.types, input.matrixPlace(key));
    // A matrix value null leaves the key out of this cell: the param's default (or its absence) applies, so a
    // zipped axis can list configurations that set different params.
    if (value === null) deleteAt(doc, path);
    else setAt(doc, path, value);
    places = places.overridden(path, input.matrixPlace(key));
  }
  const spec = doc as unknown as SpecFile;
  const scope = { params: (spec.params ?? {}) as JsonObject, env: input.env, place: places.of };
  const out = new Map<string, ResolvedStage>();
  const errors = new ErrorCollector();
  for (const name of input.order) {
    errors.guard(() => {
      const stageSpec = spec.stages![name];
      const stage = input.types.get(stageSpec.type!)!;
      const at: Path = ['stages', name, 'params'];
      const params = resolveReferences((stageSpec.params ?? {}) as JsonObject, scope, at) as JsonObject;
      checkParams(stage, params, at, places);
      out.set(name, { name, type: stage.type, needs: stageSpec.needs ?? [], params: stage.keyParams?.(params) ?? params });
    });
  }
  errors.throwIfAny();
  return out;
}

/** Validates `params` against the stage's schema, filling in its defaults, then the checks across params. */
function checkParams(stage: StageType, params: JsonObject, at: Path, places: SpecPlaces): void {
  const validate = validatorFor(stage);
  if (!validate(params)) {
    throwAll(schemaErrors(validate.errors ?? [], { base: at, data: params, place: places.of }));
  }
  throwAll((stage.checkParams?.(params) ?? []).map((e) => new SpecError(e.message, places.of([...at, ...e.path]), e.hint)));
}
