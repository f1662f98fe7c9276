// Spec file → plan: load and merge, apply --set, expand the matrix, resolve references, validate every stage's
// params (filling defaults), check the graph, and compute each stage instance's cache key. Pure but for reading
// the spec files; every problem is a SpecError with its position, collected before anything runs.

import { Ajv, type ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import { SpecError, SpecErrors, type Place } from '../errors.js';
import { canonicalJson, type Json, type JsonObject } from '../json.js';
import { stageRegistry } from '../stages/registry.js';
import type { AnyStage, CellInfo } from '../stages/stage.js';
import { didYouMean } from './did-you-mean.js';
import { loadSpec, type LoadedSpec } from './load-spec.js';
import { pathText, type Path } from './load-yaml.js';
import { expandMatrix, matrixKeys } from './matrix.js';
import { overrideTarget, parseOverride, parseSweepParam, setAt } from './overrides.js';
import { crossFieldErrors } from './param-checks.js';
import type { Plan, StageInstance } from './plan-types.js';
import { resolveReferences } from './references.js';
import { placeOf, schemaErrors } from './schema-errors.js';
import type { SpecFile } from './spec-schema.js';

export interface LoadPlanOptions {
  overrides?: string[];
  /** `pipe sweep --param key=v1,v2`: matrix axes added to (or replacing) the spec's. */
  sweep?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  stages?: ReadonlyMap<string, AnyStage>;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const validators = new Map<string, ValidateFunction>();

function validatorFor(stage: AnyStage): ValidateFunction {
  let v = validators.get(stage.type);
  if (!v) {
    v = ajv.compile(stage.paramsSchema);
    validators.set(stage.type, v);
  }
  return v;
}

export function loadPlan(specPath: string, options: LoadPlanOptions = {}): Plan {
  const cwd = options.cwd ?? process.cwd();
  const stages = options.stages ?? stageRegistry;
  const spec = loadSpec(specPath, cwd);
  const place = (path: Path): Place => ({ ...placeOf(path, spec.positions, spec.file), key: pathText(path) });

  const doc = structuredClone(spec.doc) as unknown as JsonObject;
  const overrides: Record<string, Json> = {};
  const errors = new Collector();
  errors.guard(() => checkStages(spec, stages, place));
  errors.throwIfAny();

  for (const raw of options.overrides ?? []) {
    errors.guard(() => {
      const { key, value } = parseOverride(raw);
      setAt(doc, overrideTarget(doc as unknown as SpecFile, key, stages, { file: '--set' }), value);
      overrides[key] = value;
    });
  }
  errors.throwIfAny();
  const specDoc = doc as unknown as SpecFile;
  const order = topologicalOrder(specDoc, place);

  const matrix = { ...(specDoc.matrix ?? {}) } as Record<string, unknown>;
  for (const raw of options.sweep ?? []) {
    errors.guard(() => {
      const { key, values } = parseSweepParam(raw);
      matrix[key] = values;
    });
  }
  for (const key of matrixKeys(matrix)) errors.guard(() => overrideTarget(specDoc, key, stages, place(['matrix', key])));
  errors.throwIfAny();
  const cells = expandMatrix({
    matrix,
    exclude: (specDoc.exclude ?? []) as Record<string, unknown>[],
    repeat: specDoc.repeat ?? 1,
    seed: specDoc.seed ?? 1,
    placeOf: (path) => placeOf(path, spec.positions, spec.file),
  });

  const resolvedCells = cells.map((cell) => errors.guard(() => resolveCell(specDoc, cell, order, stages, spec, options.env ?? process.env, place)));
  errors.throwIfAny();
  const instances = buildInstances(
    resolvedCells.map((r) => r!),
    cells,
    order,
    stages,
    matrixKeys(matrix).concat(specDoc.repeat && specDoc.repeat > 1 ? ['seed'] : []),
    place,
  );
  if (options.sweep?.length) (doc as JsonObject).matrix = matrix as JsonObject;
  return {
    name: specDoc.name,
    specPath: spec.file,
    specHash: spec.hash,
    overrides,
    resolved: doc,
    cells,
    instances,
  };
}

/** Every stage has a known type; needs name existing stages. */
function checkStages(spec: LoadedSpec, stages: ReadonlyMap<string, AnyStage>, place: (p: Path) => Place): void {
  const defined = spec.doc.stages ?? {};
  const errors: SpecError[] = [];
  if (!Object.keys(defined).length) {
    errors.push(new SpecError('defines no stages', place(['stages']), 'add a `stages:` map, or `extends:` a pipeline that has one'));
  }
  for (const [name, stage] of Object.entries(defined)) {
    if (!stage.type) {
      errors.push(new SpecError(`stage ${name} has no type`, place(['stages', name]), `types: ${[...stages.keys()].join(', ')}`));
    } else if (!stages.has(stage.type)) {
      errors.push(new SpecError(`unknown stage type "${stage.type}"`, place(['stages', name, 'type']), didYouMean(stage.type, stages.keys())));
    }
    (stage.needs ?? []).forEach((need, i) => {
      if (!Object.hasOwn(defined, need)) {
        errors.push(new SpecError(`needs "${need}", which is not a stage`, place(['stages', name, 'needs', i]), didYouMean(need, Object.keys(defined))));
      }
    });
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new SpecErrors(errors);
}

/** Stage names in dependency order; a cycle is an error that prints its path. */
function topologicalOrder(doc: SpecFile, place: (p: Path) => Place): string[] {
  const stages = doc.stages ?? {};
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new SpecError(`needs form a cycle: ${cycle.join(' -> ')}`, place(['stages', name, 'needs']), 'remove one of these needs');
    }
    state.set(name, 'visiting');
    for (const need of stages[name]?.needs ?? []) visit(need, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(stages)) visit(name, []);
  return order;
}

interface ResolvedStage {
  name: string;
  type: string;
  needs: string[];
  params: JsonObject;
}

function resolveCell(
  base: SpecFile,
  cell: CellInfo,
  order: string[],
  stages: ReadonlyMap<string, AnyStage>,
  spec: LoadedSpec,
  env: Record<string, string | undefined>,
  place: (p: Path) => Place,
): Map<string, ResolvedStage> {
  const doc = structuredClone(base) as unknown as JsonObject;
  for (const [key, value] of Object.entries(cell.values)) {
    setAt(doc, overrideTarget(doc as unknown as SpecFile, key, stages, place(['matrix', key])), value);
  }
  const specDoc = doc as unknown as SpecFile;
  const params = (specDoc.params ?? {}) as JsonObject;
  const scope = { params, env, paramPlace: (name: string) => place(['params', name]) };
  const out = new Map<string, ResolvedStage>();
  const errors = new Collector();
  for (const name of order) {
    errors.guard(() => {
      const stageSpec = specDoc.stages![name];
      const stage = stages.get(stageSpec.type!)!;
      const raw = (stageSpec.params ?? {}) as JsonObject;
      const resolved = resolveReferences(raw, scope, place(['stages', name, 'params'])) as JsonObject;
      const validate = validatorFor(stage);
      if (!validate(resolved)) {
        const problems = schemaErrors(validate.errors ?? [], {
          base: ['stages', name, 'params'],
          positions: spec.positions,
          fallbackFile: spec.file,
          data: resolved,
        });
        throw problems.length === 1 ? problems[0] : new SpecErrors(problems);
      }
      const crossErrors = crossFieldErrors(stage.type, resolved).map(
        (e) => new SpecError(e.message, place(['stages', name, 'params', ...e.path]), e.hint),
      );
      if (crossErrors.length) throw crossErrors.length === 1 ? crossErrors[0] : new SpecErrors(crossErrors);
      out.set(name, { name, type: stage.type, needs: stageSpec.needs ?? [], params: resolved });
    });
  }
  errors.throwIfAny();
  return out;
}

function buildInstances(
  resolved: Map<string, ResolvedStage>[],
  cells: CellInfo[],
  order: string[],
  stages: ReadonlyMap<string, AnyStage>,
  matrixKeys: string[],
  place: (p: Path) => Place,
): StageInstance[] {
  // name → key → instance (shared by every cell that computes the same key)
  const byName = new Map<string, Map<string, StageInstance>>();
  const keyOf = cells.map(() => new Map<string, StageInstance>());
  for (const name of order) {
    const stage = stages.get(resolved[0].get(name)!.type)!;
    const group = new Map<string, StageInstance>();
    byName.set(name, group);
    if (stage.scope === 'plan') {
      const r = resolved[0].get(name)!;
      const needs = unique(r.needs.flatMap((need) => [...byName.get(need)!.values()]));
      const inst = makeInstance(name, stage, r.params, needs, cells[0].seed, cells.map((c) => c.id), place);
      group.set(inst.key, inst);
      keyOf.forEach((m) => m.set(name, inst));
      continue;
    }
    cells.forEach((cell, ci) => {
      const r = resolved[ci].get(name)!;
      const needs = r.needs.map((need) => {
        const up = keyOf[ci].get(need)!;
        if (stages.get(up.type)!.scope === 'plan') {
          throw new SpecError(`stage ${name} needs ${need}, which gathers all cells and must come last`, place(['stages', name, 'needs']));
        }
        return up;
      });
      const candidate = makeInstance(name, stage, r.params, needs, cell.seed, [cell.id], place);
      const existing = group.get(candidate.key);
      if (existing) existing.cells.push(cell.id);
      else group.set(candidate.key, candidate);
      keyOf[ci].set(name, existing ?? candidate);
    });
  }
  const cellValues = new Map(cells.map((c) => [c.id, c.values]));
  const instances: StageInstance[] = [];
  const renamed = new Map<string, string>();
  for (const name of order) {
    const group = [...byName.get(name)!.values()];
    const ids = new Set<string>();
    for (const inst of group) {
      let id = group.length === 1 ? name : `${name}[${commonLabel(inst.cells.map((c) => cellValues.get(c)!), matrixKeys)}]`;
      if (id === `${name}[]` || ids.has(id)) id = `${name}[${inst.key.slice(0, 6)}]`;
      ids.add(id);
      renamed.set(inst.id, id);
      instances.push(inst);
    }
  }
  for (const inst of instances) {
    inst.id = renamed.get(inst.id)!;
    inst.needs = inst.needs.map((n) => renamed.get(n)!);
  }
  return instances;
}

function makeInstance(
  name: string,
  stage: AnyStage,
  params: JsonObject,
  needs: StageInstance[],
  seed: number,
  cells: string[],
  place: (p: Path) => Place,
): StageInstance {
  const key = createHash('sha256')
    .update(
      canonicalJson({
        type: stage.type,
        version: stage.version,
        params,
        inputs: needs.map((n) => n.key),
        seed: stage.usesSeed ? seed : null,
      }),
    )
    .digest('hex');
  // Temporary unique id (name + key); replaced by a readable one once every instance is known.
  return {
    id: `${name}#${key}`,
    name,
    type: stage.type,
    version: stage.version,
    params,
    seed,
    needs: needs.map((n) => n.id),
    key,
    cells,
    place: place(['stages', name]),
  };
}

/** `k=v,k=v` of the matrix values every one of these cells shares. */
function commonLabel(values: JsonObject[], keys: string[]): string {
  return keys
    .filter((k) => values.every((v) => Object.hasOwn(v, k) && canonicalJson(v[k]) === canonicalJson(values[0][k])))
    .map((k) => `${k}=${typeof values[0][k] === 'string' ? values[0][k] : canonicalJson(values[0][k])}`)
    .join(',');
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Gathers SpecErrors from independent checks so that one run reports them all. */
class Collector {
  private errors: SpecError[] = [];
  private seen = new Set<string>();

  guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      const list = err instanceof SpecErrors ? err.errors : err instanceof SpecError ? [err] : undefined;
      if (!list) throw err;
      for (const e of list) {
        const id = e.describe();
        if (!this.seen.has(id)) {
          this.seen.add(id);
          this.errors.push(e);
        }
      }
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length) throw new SpecErrors(this.errors);
  }
}
