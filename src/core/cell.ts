// One cell of a plan's matrix, as planning makes it and stages, the runner, the store and compare's table read it.

import type { JsonObject } from '../json.js';

/** The matrix values (override key → value) that define one cell, plus its seed. */
export interface CellInfo {
  id: string;
  values: JsonObject;
  seed: number;
}
