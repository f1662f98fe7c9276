// A stage instance's cache key: what its output depends on, hashed from canonical JSON so that YAML formatting
// and key order never change it. A param naming a file or folder outside pipe enters it as a digest of the
// contents (build-plan.ts), never as the path.

import { createHash } from 'node:crypto';
import { canonicalJson, type JsonObject } from '../json.js';

export interface KeyParts {
  type: string;
  version: number;
  /** Params after defaults, overrides and references. */
  params: JsonObject;
  /** The keys of the instances it reads, in `needs` order. */
  inputs: string[];
  /** The run seed, or null for a stage whose output does not depend on it. */
  seed: number | null;
  /** A user's stage module: the digest of its code (absent for built-in stages, so their keys stay as they were). */
  code?: string;
}

export function cacheKey(parts: KeyParts): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}
