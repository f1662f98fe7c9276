// The JSON Schema of a spec file. ajv's JSONSchemaType ties it to the SpecFile type at compile time, so the
// schema and the types the code uses cannot drift apart.

import type { JSONSchemaType } from 'ajv';

export type ParamValue = unknown;

export interface StageSpec {
  type?: string;
  needs?: string[];
  params?: Record<string, ParamValue>;
}

/** A numeric range in a matrix: from, to (inclusive), step. */
export interface RangeSpec {
  from: number;
  to: number;
  step: number;
}

export interface SpecFile {
  name: string;
  extends?: string;
  description?: string;
  params?: Record<string, ParamValue>;
  seed?: number;
  repeat?: number;
  stages?: Record<string, StageSpec>;
  matrix?: Record<string, ParamValue>;
  exclude?: Record<string, ParamValue>[];
  /** `pipe tune`'s search (docs/tune.md); checked in full by search-block.ts, with positions. */
  search?: Record<string, ParamValue>;
}

export const STAGE_NAME = '^[a-z][a-z0-9_]*$';

export const specSchema: JSONSchemaType<SpecFile> = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9_-]+$' },
    extends: { type: 'string', nullable: true, minLength: 1 },
    description: { type: 'string', nullable: true },
    params: { type: 'object', nullable: true, required: [] },
    seed: { type: 'integer', nullable: true },
    repeat: { type: 'integer', nullable: true, minimum: 1 },
    stages: {
      type: 'object',
      nullable: true,
      required: [],
      propertyNames: { type: 'string', pattern: STAGE_NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: [],
        properties: {
          type: { type: 'string', nullable: true },
          needs: { type: 'array', nullable: true, items: { type: 'string' } },
          params: { type: 'object', nullable: true, required: [] },
        },
      },
    },
    matrix: { type: 'object', nullable: true, required: [] },
    exclude: { type: 'array', nullable: true, items: { type: 'object', required: [] } },
    search: { type: 'object', nullable: true, required: [] },
  },
};

/** Keys allowed at each level, for "did you mean" hints. */
export const TOP_LEVEL_KEYS = Object.keys(specSchema.properties as object);
export const STAGE_KEYS = ['type', 'needs', 'params'];
