// A training checkpoint in the stage's scratch folder, written after every epoch: the current weights, the
// optimizer's state (momentum accumulators, iteration), the best epoch's weights and the history so far. One file,
// replaced by write + rename, so a killed training resumes from its last finished epoch, never from half of one.
// Layout: uint32 header length, the JSON header (space-padded to 4 bytes), then Float32 current ‖ best ‖ optimizer.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { EpochMetrics } from '../core/stage-progress.js';
import type { Tf } from './backend.js';
import { packWeights, unpackWeights } from './model-io.js';

export const CHECKPOINT_FILE = 'checkpoint.bin';

export type EpochRecord = EpochMetrics;

/** Where training stands after `epoch`. */
export interface TrainingState {
  epoch: number;
  bestEpoch: number;
  bestValLoss: number;
  /** Epochs since the validation loss last improved (early stopping's count). */
  wait: number;
  history: EpochRecord[];
}

interface Header extends TrainingState {
  current: number;
  best: number;
  optimizer: { name: string; shape: number[] }[];
}

export async function saveCheckpoint(dir: string, model: tfjs.LayersModel, optimizer: tfjs.Optimizer, best: Float32Array, state: TrainingState): Promise<void> {
  const slots = await optimizer.getWeights();
  const current = packWeights(model.getWeights());
  const moments = packWeights(slots.map((w) => w.tensor));
  const header: Header = { ...state, current: current.length, best: best.length, optimizer: slots.map((w) => ({ name: w.name, shape: w.tensor.shape })) };
  const json = Buffer.from(JSON.stringify(header));
  const padded = Buffer.alloc(Math.ceil(json.length / 4) * 4, ' ');
  json.copy(padded);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(padded.length);
  const floats = [current, best, moments].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  const path = join(dir, CHECKPOINT_FILE);
  writeFileSync(`${path}.tmp`, Buffer.concat([length, padded, ...floats]));
  renameSync(`${path}.tmp`, path);
}

/** Loads the checkpoint into `model` and `optimizer`; undefined when there is none or it cannot be read. */
export async function restoreCheckpoint(
  tf: Tf,
  dir: string,
  model: tfjs.LayersModel,
  optimizer: tfjs.Optimizer,
): Promise<{ state: TrainingState; best: Float32Array } | undefined> {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const bytes = readFileSync(path);
    const headerLength = bytes.readUInt32LE(0);
    const { current, best, optimizer: slots, ...state } = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as Header;
    const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 4 + headerLength, bytes.byteOffset + bytes.byteLength));
    const weights = unpackWeights(tf, floats.subarray(0, current), model.getWeights());
    model.setWeights(weights);
    tf.dispose(weights);
    let offset = current + best;
    const named = slots.map((slot) => {
      const size = slot.shape.reduce((a, b) => a * b, 1);
      const tensor = tf.tensor(floats.subarray(offset, offset + size), slot.shape, 'float32');
      offset += size;
      return { name: slot.name, tensor };
    });
    await optimizer.setWeights(named);
    // JSON has no Infinity: before any epoch improved, the best loss was written as null.
    return { state: { ...state, bestValLoss: state.bestValLoss ?? Infinity }, best: floats.slice(current, current + best) };
  } catch {
    return undefined; // an unreadable checkpoint is ignored: training starts over
  }
}
