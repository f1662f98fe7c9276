import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JsonObject } from '../../../src/json.js';

const OPTIONS = { allErrors: true, useDefaults: true, strict: false, verbose: true, validateSchema: false };
const SCHEMA: JsonObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    model: { enum: ['nn', 'cnn'], default: 'cnn' },
    epochs: { type: 'integer', minimum: 1, default: 10 },
    sizes: { type: 'array', items: { type: 'integer' }, default: [4, 8] },
  },
};

/** A fresh copy of the module, as a new process would load it (nothing compiled in memory yet). */
async function freshModule(): Promise<typeof import('../../../src/pipeline-spec/compiled-validators.js')> {
  vi.resetModules();
  return import('../../../src/pipeline-spec/compiled-validators.js');
}

function outcome(validate: (d: unknown) => boolean, data: JsonObject): { valid: boolean; data: JsonObject; errors: string } {
  const copy = structuredClone(data);
  const valid = validate(copy);
  return { valid, data: copy, errors: JSON.stringify((validate as unknown as { errors: unknown }).errors) };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipe-validators-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('compiled validators kept on disk', () => {
  it('a validator read back from the cache folder fills the same defaults and reports the same errors', async () => {
    const compiled = (await freshModule()).compiledValidator(SCHEMA, OPTIONS, dir);
    expect(readdirSync(dir).filter((f) => f.endsWith('.cjs'))).toHaveLength(1);
    const kept = (await freshModule()).compiledValidator(SCHEMA, OPTIONS, dir);
    expect(kept).not.toBe(compiled);
    for (const data of [{}, { model: 'lstm', epochs: 0, extra: 1 }, { sizes: [1, 'x'] }] as JsonObject[]) {
      expect(outcome(kept, data)).toEqual(outcome(compiled, data));
    }
    expect(outcome(kept, {}).data).toEqual({ model: 'cnn', epochs: 10, sizes: [4, 8] });
    expect(outcome(kept, { model: 'lstm' }).errors).toContain('"allowedValues":["nn","cnn"]');
  });

  it('a changed schema or changed options compile to a file of their own', async () => {
    const { compiledValidator } = await freshModule();
    compiledValidator(SCHEMA, OPTIONS, dir);
    const changed = compiledValidator({ ...SCHEMA, properties: { epochs: { type: 'integer', minimum: 20 } } }, OPTIONS, dir);
    compiledValidator(SCHEMA, { ...OPTIONS, useDefaults: false }, dir);
    expect(readdirSync(dir).filter((f) => f.endsWith('.cjs'))).toHaveLength(3);
    expect(changed({ epochs: 10 })).toBe(false);
  });

  it('a cache file cut short is compiled again and rewritten', async () => {
    (await freshModule()).compiledValidator(SCHEMA, OPTIONS, dir);
    const file = join(dir, readdirSync(dir)[0]);
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.slice(0, 100));
    const validate = (await freshModule()).compiledValidator(SCHEMA, OPTIONS, dir);
    expect(outcome(validate, { epochs: 0 }).valid).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(good);
  });

  it('without a cache folder each process compiles', async () => {
    const validate = (await freshModule()).compiledValidator(SCHEMA, OPTIONS, undefined);
    expect(outcome(validate, {}).data).toEqual({ model: 'cnn', epochs: 10, sizes: [4, 8] });
    expect(readdirSync(dir)).toEqual([]);
  });
});
