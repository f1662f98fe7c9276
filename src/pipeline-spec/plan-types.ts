// The plan: a spec resolved (extends, overrides, ${...}, matrix) into stage instances with final params and
// cache keys. Pure data, so it can be printed (`pipe dag`), diffed and tested without running anything.

import type { CellInfo } from '../core/cell.js';
import type { Place } from '../errors.js';
import type { Json, JsonObject } from '../json.js';

export interface StageInstance {
  /** Unique within the plan: `name` when the stage is the same in every cell, else `name[cell-label]`. */
  id: string;
  /** Stage name in the spec. */
  name: string;
  type: string;
  version: number;
  /** Params after defaults, overrides and references. */
  params: JsonObject;
  seed: number;
  /** Instance ids this one reads, in `needs` order. */
  needs: string[];
  /** sha256 of (type, version, params, input keys, seed if the stage uses it). */
  key: string;
  /** Ids of the cells this instance serves (several when cells share it). */
  cells: string[];
  /**
   * The matrix keys that can change this instance: keys of its own stage and of the stages upstream of it, and keys
   * of no stage (`seed`). Absent in hand-made plans: every key.
   */
  matrixKeys?: string[];
  /** Where the stage is defined in the spec. */
  place: Place;
}

export interface Plan {
  name: string;
  /** Path of the spec as given (relative to the project folder where possible). */
  specPath: string;
  /** sha256 of the spec files' text (the spec and what it extends). */
  specHash: string;
  /** `--set` overrides as given. */
  overrides: Record<string, Json>;
  /** The merged spec after extends, overrides and any `pipe sweep` axes (`${...}` left as written), for `pipe export` and `pipe diff`. */
  resolved: JsonObject;
  cells: CellInfo[];
  /** In a topological order. */
  instances: StageInstance[];
}
