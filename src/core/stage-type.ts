// What planning knows of a stage type: its name, version, params schema and rules. Planning is handed a map of
// these by the command that plans and imports no stage; a stage (src/stages/stage.ts) is one of these plus `run`.

import type { JsonObject } from '../json.js';

/** A problem across several params of one stage, which a JSON Schema cannot express. */
export interface ParamProblem {
  message: string;
  /** Param path relative to the stage's params. */
  path: string[];
  hint?: string;
}

export interface StageType {
  type: string;
  /** Bump when the stage's output for the same params changes; it is part of the cache key. */
  version: number;
  /** JSON Schema of `params`, with defaults; ajv fills the defaults in before the key is computed. */
  paramsSchema: JsonObject;
  /** Whether the run seed changes the output (then it is part of the cache key). */
  usesSeed: boolean;
  /** `cell`: one instance per matrix cell (shared where keys match); `plan`: one instance gathering all cells. */
  scope: 'cell' | 'plan';
  /** Checks across params, run on params the schema has validated and filled with defaults. */
  checkParams?(params: JsonObject): ParamProblem[];
  /**
   * The params as they enter the cache key, where a default must be filled in that the schema cannot give (a
   * schema default added later would change every older key). Called after `checkParams`.
   */
  keyParams?(params: JsonObject): JsonObject;
  /**
   * Params that name a file or folder outside pipe which the stage reads (ingest's `root`, a command stage's
   * `deps`), as paths into the params. In the cache key each such value is replaced by a digest of the contents it
   * names: editing a byte re-runs the stage, moving the folder does not.
   */
  fileParams?(params: JsonObject): ParamPath[];
  /**
   * A user's stage module: files or folders (relative to the module) that are part of its code beyond the module
   * and the local files it imports, e.g. a helper it reads at run time.
   */
  code?: readonly string[];
  /** A user's stage module: the digest of its code, set by pipe when it loads the module; part of the key. */
  codeDigest?: string;
}

/** A path into a stage's params: `['root']`, `['deps', 0]`. */
export type ParamPath = (string | number)[];
