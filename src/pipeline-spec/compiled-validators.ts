// Ajv validators for the spec and params schemas, compiled once and kept as code on disk (Ajv's standalone
// output, in node_modules/.cache/pipe-ml beside the ajv that its code requires), so that planning a spec seen
// before neither loads Ajv's compiler nor compiles: about a fifth of a no-op re-run's start. A file is named by the
// sha256 of Ajv's version, the options and the schema, so a changed schema compiles afresh; where the folder
// cannot be written, each process compiles as before.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import { canonicalJson, type JsonObject } from '../json.js';

const require = createRequire(import.meta.url);

/** The Ajv options a validator is compiled with; part of its file name. */
export type ValidatorOptions = Omit<Options, 'code'>;

/** The node_modules that holds the ajv pipe uses: its .cache/pipe-ml, or undefined if there is none. */
function defaultCacheDir(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'ajv'))) return join(dir, 'node_modules', '.cache', 'pipe-ml');
    if (dirname(dir) === dir) return undefined;
  }
}

let ajvVersion: string | undefined;
const compilers = new Map<string, Ajv>();
const memo = new Map<string, ValidateFunction>();

/** The validator of `schema` with `options`: from this process, else from the cache folder, else compiled there. */
export function compiledValidator(schema: JsonObject, options: ValidatorOptions, cacheDir: string | undefined = defaultCacheDir()): ValidateFunction {
  ajvVersion ??= (JSON.parse(readFileSync(require.resolve('ajv/package.json'), 'utf8')) as { version: string }).version;
  const name = createHash('sha256').update(canonicalJson({ ajv: ajvVersion, options, schema })).digest('hex');
  let validate = memo.get(name);
  if (!validate) {
    validate = (cacheDir && loadCached(join(cacheDir, `${name}.cjs`))) || compileAndKeep(schema, options, cacheDir && join(cacheDir, `${name}.cjs`));
    memo.set(name, validate);
  }
  return validate;
}

function loadCached(file: string): ValidateFunction | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return require(file) as ValidateFunction;
  } catch {
    // A file cut short (a full disk) or not ours: compiled again and rewritten.
    return undefined;
  }
}

function compileAndKeep(schema: JsonObject, options: ValidatorOptions, file: string | undefined): ValidateFunction {
  const key = canonicalJson(options);
  let ajv = compilers.get(key);
  if (!ajv) {
    const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
    ajv = new AjvClass({ ...options, code: { source: true } });
    compilers.set(key, ajv);
  }
  const validate = ajv.compile(schema);
  if (file) {
    try {
      const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: Ajv, validate: ValidateFunction) => string }).default;
      mkdirSync(dirname(file), { recursive: true });
      // Written aside and renamed, so that a second process never requires a half-written file.
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, standaloneCode(ajv, validate));
      renameSync(temp, file);
    } catch {
      // A read-only node_modules: this process keeps its compiled validator, the next compiles again.
    }
  }
  return validate;
}
