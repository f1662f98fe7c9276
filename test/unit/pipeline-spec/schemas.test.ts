// Planning compiles the spec schema and the built-in stages' params schemas without checking them against JSON
// Schema's meta-schema (a start-up cost), so this test is where a malformed built-in schema is caught.

import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { specSchema } from '../../../src/pipeline-spec/spec-schema.js';
import { stageRegistry } from '../../../src/stages/registry.js';

const metaChecker = new Ajv({ strict: false });

function metaErrors(schema: object): string {
  return metaChecker.validateSchema(schema) ? '' : metaChecker.errorsText(metaChecker.errors);
}

describe('schemas planning compiles unchecked', () => {
  it('the spec schema is a valid JSON Schema', () => {
    expect(metaErrors(specSchema)).toBe('');
  });

  it.each([...stageRegistry.keys()])('the params schema of stage type %s is a valid JSON Schema', (type) => {
    expect(metaErrors(stageRegistry.get(type)!.paramsSchema)).toBe('');
  });

  it('a malformed schema is reported by the same check', () => {
    expect(metaErrors({ type: 'object', properties: { n: { type: 'integr' } } })).toMatch(/type/);
  });
});
