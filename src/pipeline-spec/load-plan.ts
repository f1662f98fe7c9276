// Spec file → plan: load and merge, apply --set, expand the matrix, resolve references, validate every stage's
// params (filling defaults), expand leave-one-speaker-out folds, check the graph, and compute each stage
// instance's cache key. Pure but for reading the spec files; every problem is a SpecError with its position,
// collected before anything runs.

import { resolve } from 'node:path';
import type { CellInfo } from '../core/cell.js';
import type { StageType } from '../core/stage-type.js';
import { SpecError, type Place } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { buildInstances } from './build-plan.js';
import { ErrorCollector } from './collect-errors.js';
import { loadSpec, type LoadedSpec } from './load-spec.js';
import { DEFAULT_MAX_CELLS, expandMatrix, matrixKeys } from './matrix.js';
import { overrideTarget, parseOverride, parseSweepParam, setAt } from './overrides.js';
import type { Plan } from './plan-types.js';
import { resolveCell, type ResolvedStage } from './resolve-cell.js';
import { expandFolds, foldAxes } from './speaker-folds.js';
import { SpecPlaces } from './spec-places.js';
import type { SpecFile } from './spec-schema.js';
import { checkStages, topologicalOrder } from './stage-graph.js';

export { parseOverride } from './overrides.js';

export interface LoadPlanOptions {
  /** Raw `key=value` strings from `--set`. */
  overrides?: string[];
  /** `pipe sweep --param key=v1,v2`: matrix axes added to (or replacing) the spec's. */
  sweep?: string[];
  /** Environment for `${env.NAME}`; default process.env. */
  env?: Record<string, string | undefined>;
  /** Folder that relative spec paths and the paths in messages are relative to; default process.cwd(). */
  cwd?: string;
  /** Refuse a plan of more cells than this (matrix × repeat − excluded, then × folds); default DEFAULT_MAX_CELLS. */
  maxCells?: number;
  /** Stage types by name, handed in by whoever plans (the commands pass src/stages/registry.ts; tests may pass stand-ins). */
  stages: ReadonlyMap<string, StageType>;
  /**
   * The digest of the contents of a file or folder (an absolute path), handed in by the command (the store's
   * ContentDigests, stamped in experiments.db). A stage's file params (ingest's root, a command's deps) enter its
   * key as these digests. Without it (`pipe validate`, which shows no key), they enter as the paths written.
   */
  contents?: (path: string) => string;
  /** The spec as loadSpec read it, where the caller has read it already (to find the user's stage modules). */
  spec?: LoadedSpec;
}

export function loadPlan(specPath: string, options: LoadPlanOptions): Plan {
  const cwd = options.cwd ?? process.cwd();
  const types = options.stages;
  const spec = options.spec ?? loadSpec(specPath, cwd);
  const errors = new ErrorCollector();
  let places = new SpecPlaces(spec.positions, spec.file);
  errors.guard(() => checkStages(spec.doc, types, places.of));
  errors.throwIfAny();

  const doc = structuredClone(spec.doc);
  const overrides: Record<string, Json> = {};
  for (const raw of options.overrides ?? []) {
    errors.guard(() => {
      const { key, value } = parseOverride(raw);
      const source: Place = { file: '--set', key };
      const path = overrideTarget(doc, key, types, source);
      setAt(doc as unknown as JsonObject, path, value);
      places = places.overridden(path, source);
      overrides[key] = value;
    });
  }
  errors.throwIfAny();
  errors.guard(() => checkRunNumbers(doc, places));
  const order = errors.guard(() => topologicalOrder(doc, places.of));
  errors.throwIfAny();

  const { matrix, matrixPlace } = matrixOf(doc, options.sweep ?? [], places, errors);
  for (const key of matrixKeys(matrix)) errors.guard(() => checkMatrixKey(doc, key, types, matrixPlace(key)));
  errors.throwIfAny();
  const maxCells = options.maxCells ?? DEFAULT_MAX_CELLS;
  const matrixCells = expandMatrix({ matrix, exclude: doc.exclude ?? [], repeat: doc.repeat ?? 1, seed: doc.seed ?? 1, placeOf: places.of, maxCells });

  const env = options.env ?? process.env;
  const resolveAll = (cells: CellInfo[], placeOf: (key: string) => Place) => {
    const resolved = cells.map((cell) => errors.guard(() => resolveCell({ doc, cell, order: order!, types, places, matrixPlace: placeOf, env })));
    errors.throwIfAny();
    return resolved.map((r) => r!);
  };
  let cells = matrixCells;
  let resolved = resolveAll(cells, matrixPlace);
  const foldKeys = unique(resolved.flatMap((r) => foldAxes(r).map((a) => a.key)));
  if (foldKeys.length) {
    checkFoldCount(resolved, maxCells, places);
    cells = expandFolds(cells, resolved);
    // A fold value was written by no one: an error about it points at the `folds: loso` that asked for it.
    resolved = resolveAll(cells, (key) => (foldKeys.includes(key) ? places.of(['stages', key.split('.')[0], 'params', 'folds']) : matrixPlace(key)));
  }
  const repeated = (doc.repeat ?? 1) > 1 ? ['seed'] : [];
  const instances = buildInstances({
    resolved,
    cells,
    order: order!,
    types,
    matrixKeys: [...matrixKeys(matrix), ...repeated, ...foldKeys],
    place: places.of,
    contents: options.contents && ((path) => options.contents!(resolve(cwd, path))),
  });
  const resolvedDoc = doc as unknown as JsonObject;
  if (options.sweep?.length) resolvedDoc.matrix = matrix as JsonObject;
  return { name: doc.name, specPath: spec.file, specHash: spec.hash, overrides, resolved: resolvedDoc, cells, instances };
}

/** Leave-one-speaker-out multiplies cells by the speaker count: the limit holds for the folds too, counted first. */
function checkFoldCount(resolved: ReadonlyMap<string, ResolvedStage>[], maxCells: number, places: SpecPlaces): void {
  const perCell = resolved.map((r) => foldAxes(r).reduce((n, a) => n * a.folds, 1));
  const cells = perCell.reduce((a, b) => a + b, 0);
  if (cells <= maxCells) return;
  const axis = foldAxes(resolved[perCell.indexOf(Math.max(...perCell))])[0];
  const stage = axis.key.split('.')[0];
  throw new SpecError(
    `the matrix has ${cells} cells with its leave-one-speaker-out folds (limit ${maxCells}; raise it with --max-cells)`,
    places.of(['stages', stage, 'params', 'speakers']),
    `${resolved.length} cell${resolved.length === 1 ? '' : 's'}, each run once per speaker (${stage}.speakers: ${axis.folds})`,
  );
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** `seed` and `repeat` may come from `--set`, which the spec schema never saw. */
function checkRunNumbers(doc: SpecFile, places: SpecPlaces): void {
  if (doc.seed !== undefined && !Number.isInteger(doc.seed)) {
    throw new SpecError(`seed must be an integer, got ${JSON.stringify(doc.seed)}`, places.of(['seed']), 'for example seed: 1');
  }
  if (doc.repeat !== undefined && !(Number.isInteger(doc.repeat) && doc.repeat >= 1)) {
    throw new SpecError(`repeat must be an integer >= 1, got ${JSON.stringify(doc.repeat)}`, places.of(['repeat']), 'for example repeat: 3 (seeds seed, seed+1, seed+2)');
  }
}

/** The spec's matrix plus `--param` axes, and where each single key of it was written. */
function matrixOf(doc: SpecFile, sweep: string[], places: SpecPlaces, errors: ErrorCollector) {
  const matrix: Record<string, unknown> = { ...(doc.matrix ?? {}) };
  const swept = new Set<string>();
  for (const raw of sweep) {
    errors.guard(() => {
      const { key, values } = parseSweepParam(raw);
      matrix[key] = values;
      swept.add(key);
    });
  }
  const axisOf = new Map(Object.keys(matrix).flatMap((axis) => axis.split('+').map((k) => [k, axis] as const)));
  const matrixPlace = (key: string): Place => {
    const axis = axisOf.get(key) ?? key;
    return swept.has(axis) ? { file: '--param', key: axis } : places.of(['matrix', axis]);
  };
  return { matrix, matrixPlace };
}

/** A matrix key must exist, and may not vary a stage that gathers all cells. */
function checkMatrixKey(doc: SpecFile, key: string, types: ReadonlyMap<string, StageType>, place: Place): void {
  const path = overrideTarget(doc, key, types, place);
  const stage = path[0] === 'stages' ? types.get(doc.stages?.[String(path[1])]?.type ?? '') : undefined;
  if (stage?.scope === 'plan') {
    throw new SpecError(`${path[1]} gathers all cells, so the matrix cannot vary it`, place, `set it once with --set ${key}=... or in the spec`);
  }
}
