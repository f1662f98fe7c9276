// Data contents in the key: a param naming a file or folder enters the key as the digest of what it names, never
// as the path; the stages that read nothing outside pipe keep their keys as they were.

import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../../src/pipeline-spec/cache-key.js';
import { DATA, instance, plan } from './spec-fixture.js';

const EMODB = DATA.replace('format: synthetic', 'format: emodb, root: "${env.WAVS}"');
const COMMAND = DATA + '  scale:\n    type: command\n    needs: [chunk]\n    params: { run: [python3, scale.py, "${inputs.chunk}", "${out}"], deps: [scale.py, lib], gain: 2 }\n';

describe('content keys', () => {
  it('two data folders of the same contents give ingest one key; different contents, different keys', () => {
    const digests: Record<string, string> = { '/data/a': 'folder:1', '/data/b': 'folder:1', '/data/c': 'folder:2' };
    const keyFor = (dir: string) => instance(plan(EMODB, { env: { WAVS: dir }, contents: (p) => digests[p] }), 'ingest').key;
    expect(keyFor('/data/a')).toBe(keyFor('/data/b'));
    expect(keyFor('/data/a')).not.toBe(keyFor('/data/c'));
  });

  it('the plan keeps the path the stage reads; the key holds the digest in its place', () => {
    const p = plan(EMODB, { env: { WAVS: '/data/a' }, contents: () => 'folder:1' });
    const ingest = instance(p, 'ingest');
    expect(ingest.params.root).toBe('/data/a');
    expect(ingest.key).toBe(cacheKey({ type: 'ingest', version: 1, params: { ...ingest.params, root: 'folder:1' }, inputs: [], seed: null }));
  });

  it('relative paths are handed to contents resolved against the project folder', () => {
    const asked: string[] = [];
    plan(COMMAND, { contents: (p) => (asked.push(p), 'file:x') });
    expect(asked.map((p) => p.split('/').slice(-1)[0])).toEqual(['scale.py', 'lib']);
    expect(asked.every((p) => p.startsWith('/'))).toBe(true);
  });

  it("a command stage's deps enter its key by contents; ${out} and ${inputs.NAME} are left for run time", () => {
    const digest = { value: 'file:1' };
    const scale = () => instance(plan(COMMAND, { contents: () => digest.value }), 'scale');
    const before = scale();
    expect(before.params.run).toEqual(['python3', 'scale.py', '${inputs.chunk}', '${out}']);
    expect(before.params.gain).toBe(2);
    digest.value = 'file:2';
    expect(scale().key).not.toBe(before.key);
  });

  it('stages that read nothing outside pipe keep their keys whether or not contents is given', () => {
    const without = plan(DATA);
    const withContents = plan(DATA, { contents: () => 'folder:1' });
    expect(withContents.instances.map((i) => i.key)).toEqual(without.instances.map((i) => i.key));
  });
});
