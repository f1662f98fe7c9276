// Read a spec and the chain of files it extends, check each against the spec schema, and merge them
// (child wins; stages merge by name; lists, matrix and exclude are replaced, and a child's matrix drops the base's
// exclude). Positions follow the winning value.

import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { SpecError, SpecErrors, type Place } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { compiledValidator } from './compiled-validators.js';
import { didYouMean } from './did-you-mean.js';
import { parseYaml, pathKey, type Path, type Positions } from './load-yaml.js';
import { schemaErrors } from './schema-errors.js';
import { placeOf } from './spec-places.js';
import { specSchema, STAGE_KEYS, TOP_LEVEL_KEYS, type SpecFile } from './spec-schema.js';

export interface LoadedSpec {
  doc: SpecFile;
  positions: Positions;
  /** The spec file as the user named it, relative to cwd where possible. */
  file: string;
  /** sha256 over the text of the spec and every file it extends. */
  hash: string;
}

// validateSchema: false skips compiling JSON Schema's own meta-schema, a third of planning's schema work on every
// start; the spec schema is pipe's own, checked against the meta-schema by test/unit/pipeline-spec/schemas.test.ts.
const validateSpecFile = compiledValidator(specSchema as unknown as JsonObject, { allErrors: true, strict: false, verbose: true, validateSchema: false });

export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

export function loadSpec(specPath: string, cwd: string): LoadedSpec {
  const hash = createHash('sha256');
  const chain = readChain(resolve(cwd, specPath), cwd, hash, []);
  let doc: JsonObject = {};
  const positions: Positions = new Map();
  for (const layer of chain) {
    doc = mergeLayer(doc, layer.value, positions, layer.positions);
  }
  delete doc.extends;
  return { doc: doc as unknown as SpecFile, positions, file: displayPath(resolve(cwd, specPath), cwd), hash: hash.digest('hex') };
}

interface Layer {
  value: JsonObject;
  positions: Positions;
}

/** The chain base-first: [root base, ..., the spec itself]. */
function readChain(path: string, cwd: string, hash: ReturnType<typeof createHash>, seen: string[], from?: Place): Layer[] {
  const file = displayPath(path, cwd);
  if (seen.includes(path)) {
    throw new SpecError(`extends cycle: ${[...seen, path].map((p) => displayPath(p, cwd)).join(' -> ')}`, { file, key: 'extends' });
  }
  const text = readSpecText(path, file, from);
  hash.update(text);
  if (!text.trim()) {
    throw new SpecError('the spec is empty', { file, line: 1, column: 1 }, 'a spec needs at least `name:` and `stages:`; see docs/spec-format.md');
  }
  const { value, positions } = parseYaml(text, file);
  if (value === null) {
    throw new SpecError('the spec is empty (only comments)', { file, line: 1, column: 1 }, 'a spec needs at least `name:` and `stages:`; see docs/spec-format.md');
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    // Not quoted back: the file may be anything (a password file, a data file), and its text helps no one here.
    throw new SpecError(
      `a spec must be a map of keys, got ${Array.isArray(value) ? 'a list' : `a single ${typeof value === 'string' ? 'text' : typeof value} value: ${file} is not a YAML spec`}`,
      { file, line: 1, column: 1 },
      'start with `name: ...` and `stages:`; see docs/spec-format.md',
    );
  }
  checkStructure(value, positions, file);
  const parent = (value as { extends?: unknown }).extends;
  if (typeof parent !== 'string') return [{ value, positions }];
  const at = positions.get(pathKey(['extends']));
  const extendsPlace: Place = { file, line: at?.line, column: at?.column, key: 'extends' };
  return [...readChain(resolve(dirname(path), parent), cwd, hash, [...seen, path], extendsPlace), { value, positions }];
}

/** A spec is a YAML text file of modest size; anything else is said to be what it is, its contents not quoted. */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/**
 * The text of the spec file at `path`. `from` is the `extends:` that named it; errors about a named file point
 * there, since that is what the user fixes.
 */
function readSpecText(path: string, file: string, from?: Place): string {
  const fail = (message: string, hint: string): never => {
    throw new SpecError(message, from ?? { file }, from ? `${hint}; the path is relative to the spec file that names it` : hint);
  };
  const info = statOrUndefined(path);
  if (!info) {
    if (from) throw new SpecError(`extends a file that does not exist: ${file}`, from, 'the path is relative to the spec file that names it');
    fail(`spec file not found: ${file}`, 'give the path of a YAML spec, e.g. pipelines/demo.yaml');
  }
  const named = from ? `extends ${file}, which` : 'this';
  if (info!.isDirectory()) fail(`${named} is a folder, not a spec file`, 'give the path of a YAML file, e.g. pipelines/demo.yaml');
  if (!info!.isFile()) fail(`${named} is not a regular file`, 'give the path of a YAML spec file');
  if (info!.size > MAX_SPEC_BYTES) {
    fail(`${named} is ${(info!.size / 1e6).toFixed(1)} MB: too large for a spec (limit ${MAX_SPEC_BYTES / 1024 / 1024} MB)`, 'a spec is a short YAML file; is this the right path?');
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(`cannot read ${file}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : 'the file could not be read'}`, 'check the file and its permissions');
  }
  if (bytes.includes(0)) fail(`${named} is a binary file, not a YAML spec`, 'give the path of a YAML spec, e.g. pipelines/demo.yaml');
  return bytes.toString('utf8');
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function checkStructure(value: JsonObject, positions: Positions, file: string): void {
  if (validateSpecFile(value)) return;
  const place = (path: Path) => placeOf(path, positions, file);
  const errors = schemaErrors(validateSpecFile.errors ?? [], { base: [], data: value, place });
  // Better hints for misspelt top-level and stage keys than the schema's generic list.
  for (const e of errors) {
    const key = e.place.key ?? '';
    const segments = key.split('.');
    if (e.message.startsWith('unknown key') && segments.length === 1) {
      Object.assign(e, { hint: didYouMean(segments[0], TOP_LEVEL_KEYS) });
    } else if (e.message.startsWith('unknown key') && segments.length === 3 && segments[0] === 'stages') {
      Object.assign(e, { hint: didYouMean(segments[2], STAGE_KEYS) });
    }
  }
  throw errors.length === 1 ? errors[0] : new SpecErrors(errors);
}

function mergeLayer(base: JsonObject, layer: JsonObject, positions: Positions, layerPositions: Positions): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (key === 'stages' && isMap(value) && isMap(out.stages)) {
      const stages: JsonObject = { ...out.stages };
      for (const [name, stage] of Object.entries(value)) {
        const prev = stages[name];
        stages[name] = isMap(prev) && isMap(stage) ? deepMerge(prev, stage) : stage;
        copyPositions(layerPositions, positions, ['stages', name]);
      }
      out.stages = stages;
    } else if (key === 'params' && isMap(value) && isMap(out.params)) {
      out.params = deepMerge(out.params, value);
      copyPositions(layerPositions, positions, ['params']);
    } else {
      out[key] = value;
      dropPositions(positions, [key]);
      copyPositions(layerPositions, positions, [key]);
    }
  }
  // A base's exclude rules name the base's matrix keys; a new matrix comes with its own exclude, or none.
  if (Object.hasOwn(layer, 'matrix') && !Object.hasOwn(layer, 'exclude')) {
    delete out.exclude;
    dropPositions(positions, ['exclude']);
  }
  return out;
}

function deepMerge(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isMap(prev) && isMap(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function copyPositions(from: Positions, to: Positions, prefix: Path): void {
  const p = pathKey(prefix);
  for (const [k, v] of from) if (k === p || k.startsWith(p + '\u0001')) to.set(k, v);
}

function dropPositions(positions: Positions, prefix: Path): void {
  const p = pathKey(prefix);
  for (const k of [...positions.keys()]) if (k === p || k.startsWith(p + '\u0001')) positions.delete(k);
}

export function isMap(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
