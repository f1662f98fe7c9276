// Backend choice: a forced backend loads or fails saying why; left to itself, the fastest that loads.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { StageError } from '../../../src/errors.js';
import { selectBackend } from '../../../src/models/backend.js';

const tfjsNodeInstalled = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('selectBackend', () => {
  it.each(['wasm', 'cpu'] as const)('loads %s when asked and makes it the active tfjs backend', async (name) => {
    const { name: got, tf } = await selectBackend(name);
    expect(got).toBe(name);
    expect(tf.getBackend()).toBe(name);
  });

  it('refuses a backend it does not know, naming the choices', async () => {
    await expect(selectBackend('gpu')).rejects.toThrow(/unknown backend "gpu"/);
    await expect(selectBackend('gpu')).rejects.toMatchObject({ hint: 'choose one of node, wasm, cpu' });
  });

  it.skipIf(tfjsNodeInstalled)('without tfjs-node: forcing node fails with a hint, and the default is WASM', async () => {
    await expect(selectBackend('node')).rejects.toBeInstanceOf(StageError);
    await expect(selectBackend('node')).rejects.toThrow(/backend node does not load/);
    const saved = process.env.PIPE_BACKEND;
    delete process.env.PIPE_BACKEND;
    try {
      expect((await selectBackend()).name).toBe('wasm');
    } finally {
      if (saved !== undefined) process.env.PIPE_BACKEND = saved;
    }
  });
});
