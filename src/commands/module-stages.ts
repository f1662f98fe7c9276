// The stage types a spec can use: the built-ins, and the user's stage modules it names (`type: ./stages/energy.js`,
// relative to the spec file that writes it). Each module is imported, checked to export a stage, and given the
// digest of its code (the module, the local files it imports, the files its `code` lists) for its cache key.
// Every problem is a SpecError at the `type:` that names the module, before anything runs.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SpecError, SpecErrors, type Place } from '../errors.js';
import type { LoadedSpec } from '../pipeline-spec/load-spec.js';
import { SpecPlaces } from '../pipeline-spec/spec-places.js';
import { stageProblems } from '../stages/module-stage.js';
import { stageRegistry } from '../stages/registry.js';
import type { AnyStage } from '../stages/stage.js';

/** A `type:` naming a file rather than a built-in: a path, or a name with a script's extension. */
export function isModuleType(type: string): boolean {
  return type.includes('/') || /\.(m?js|cjs|m?ts)$/.test(type);
}

/**
 * The built-in stages plus each module stage the spec names, by the `type:` string written (for planning) and by
 * the type name the module declares (what instances, the runner and the records use).
 */
export async function stageTypesFor(spec: LoadedSpec, options: { cwd: string; digest: (path: string) => string }): Promise<ReadonlyMap<string, AnyStage>> {
  const places = new SpecPlaces(spec.positions, spec.file);
  const types = new Map(stageRegistry);
  const byFile = new Map<string, AnyStage>();
  const errors: SpecError[] = [];
  for (const [name, stageSpec] of Object.entries(spec.doc.stages ?? {})) {
    const written = stageSpec.type;
    if (!written || !isModuleType(written)) continue;
    const place = places.of(['stages', name, 'type']);
    const file = resolve(options.cwd, dirname(place.file ?? spec.file), written);
    try {
      const stage = byFile.get(file) ?? (await loadModuleStage(file, written, place, options.digest));
      byFile.set(file, stage);
      checkNames(types, written, stage, file, place);
      types.set(written, stage);
      types.set(stage.type, stage);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new SpecErrors(errors);
  return types;
}

async function loadModuleStage(file: string, written: string, place: Place, digest: (path: string) => string): Promise<AnyStage> {
  const from = `the path is relative to the spec file that names it (${place.file})`;
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new SpecError(`stage module ${written} does not exist (no file ${file})`, place, from);
  }
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (err) {
    throw new SpecError(`stage module ${written} cannot be loaded: ${firstLine(err)}`, place, loadHint(err, file));
  }
  const problems = stageProblems(exported);
  if (problems.length) {
    throw new SpecError(
      `stage module ${written} does not export a stage: ${problems.join('; ')}`,
      place,
      "export default defineStage({ type, version, usesSeed, scope, paramsSchema, run }), with defineStage from 'pipe-ml/stage' (docs/stages.md)",
    );
  }
  const stage = exported as AnyStage;
  return { ...stage, codeDigest: codeDigest(file, stage.code ?? [], digest) };
}

/** A module's declared type may not take a built-in's name, nor another module's. */
function checkNames(types: ReadonlyMap<string, AnyStage>, written: string, stage: AnyStage, file: string, place: Place): void {
  const holder = types.get(stage.type);
  if (holder && holder.codeDigest === undefined) {
    throw new SpecError(`stage module ${written} declares type "${stage.type}", the name of a built-in stage`, place, `give its defineStage another type, e.g. "my-${stage.type}"`);
  }
  if (holder && holder !== stage) {
    throw new SpecError(`stage module ${written} declares type "${stage.type}", which another module of this spec declares too`, place, `give one of them another type (${file})`);
  }
  const named = types.get(written);
  if (named && named !== stage) {
    throw new SpecError(`${written} names two different modules in the files of this spec`, place, `write one of them as a path that differs (${file})`);
  }
}

/**
 * The digest of a module's code: the module, every local file it imports (transitively) and the files or folders
 * its `code` lists, by their paths relative to the module, so that moving the project keeps it.
 */
function codeDigest(file: string, code: readonly string[], digest: (path: string) => string): string {
  const base = dirname(file);
  const files = [...localImports(file, new Set()), ...code.map((c) => resolve(base, c))];
  const lines = [...new Set(files)].map((f) => `${relative(base, f).split(sep).join('/')}\0${digest(f)}\n`).sort();
  return createHash('sha256').update(lines.join('')).digest('hex');
}

// Relative specifiers of static imports and re-exports (from), side-effect imports, import() and require().
const LOCAL_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.\.?\/[^'"]+)['"]/g;

/** `file` and the local files it imports, transitively (a specifier that names no file is left to Node to report). */
function localImports(file: string, seen: Set<string>): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(LOCAL_IMPORT)].map((m) => importedFile(dirname(file), m[1])).filter((f): f is string => f !== undefined);
  return [file, ...found.flatMap((f) => localImports(f, seen))];
}

/** The file an import specifier names; TypeScript's `./x.js` may be `./x.ts` on disk. */
function importedFile(dir: string, specifier: string): string | undefined {
  const path = resolve(dir, specifier);
  const ext = extname(path);
  const candidates = [path, ...(ext === '.js' ? [path.slice(0, -3) + '.ts'] : []), ...(ext ? [] : ['.js', '.mjs', '.ts', '/index.js'].map((e) => path + e))];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

function loadHint(err: unknown, file: string): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.m?ts$/.test(file)) {
    return `Node ${process.versions.node} cannot import TypeScript: use Node 22.18 or later (it strips types itself), or compile the module to .js (docs/stages.md)`;
  }
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /'pipe-ml(\/stage)?'/.test(firstLine(err))) {
    return 'the module imports pipe-ml: install it in the project (npm install pipe-ml) so that Node finds it';
  }
  return `run the module with node to see the whole error: node ${file}`;
}
