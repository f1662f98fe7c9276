// Which TensorFlow.js backend trains: tfjs-node when its native library loads, else WebAssembly (shipped in
// @tensorflow/tfjs-backend-wasm; no fetch), else the pure-JS CPU backend. `--backend` / PIPE_BACKEND force one.
// tfjs is imported here, lazily: planning and cached re-runs never load it.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { StageError } from '../errors.js';
import { installWasmTraining } from './wasm-training.js';

export type Tf = typeof import('@tensorflow/tfjs');
export type BackendName = 'node' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['node', 'wasm', 'cpu'];

export interface LoadedBackend {
  name: BackendName;
  tf: Tf;
}

const require = createRequire(import.meta.url);
let loaded: Promise<LoadedBackend> | undefined;
let loadedFor: string | undefined;

export function selectBackend(requested?: string): Promise<LoadedBackend> {
  const want = requested ?? process.env.PIPE_BACKEND ?? '';
  if (want && !BACKENDS.includes(want as BackendName)) {
    return Promise.reject(new StageError(`unknown backend "${want}"`, {}, `choose one of ${BACKENDS.join(', ')}`));
  }
  // One backend per thread: tfjs keeps global state.
  if (loaded && loadedFor === want) return loaded;
  loadedFor = want;
  loaded = want ? load(want as BackendName) : firstThatLoads();
  return loaded;
}

async function firstThatLoads(): Promise<LoadedBackend> {
  const problems: string[] = [];
  for (const name of BACKENDS) {
    try {
      return await load(name);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new StageError(`no TensorFlow.js backend loads (${problems.join('; ')})`, {}, 'reinstall with npm ci');
}

async function load(name: BackendName): Promise<LoadedBackend> {
  try {
    if (name === 'node') {
      // tfjs-node is an optional dependency: its install fails where its native library cannot be downloaded.
      const tf = (await import(/* optional */ '@tensorflow/tfjs-node' as string)) as Tf;
      await tf.setBackend('tensorflow');
      await tf.ready();
      return { name, tf };
    }
    const tf = await import('@tensorflow/tfjs');
    if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // A folder prefix: the backend picks the SIMD build when WebAssembly SIMD validates (Node 20: yes). Its
      // multi-threaded build is never used under Node (tfjs disables it there), which suits one worker per core.
      wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
    }
    if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
    await tf.ready();
    if (name === 'wasm') installWasmTraining(tf);
    return { name, tf };
  } catch (err) {
    throw new StageError(`backend ${name} does not load: ${(err as Error).message.split('\n')[0]}`, {}, 'choose another with --backend');
  }
}
