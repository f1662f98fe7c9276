// The WASM backend's training path (wasm-training.ts) gives the CPU backend's stock gradients: convolutions at every
// stride and padding the models use, max pooling with ties, batch norm, transposed matMuls, and whole models.

import type * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../../src/models/backend.js';
import { buildModel, inputShape, type ModelKind } from '../../../src/models/build-model.js';
import { TINY_MODEL } from './tiny-model.js';

/** Deterministic values in [-1, 1), the same on every backend. */
const values = (n: number, salt: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + salt * 1.37));

/** Largest difference relative to the largest reference value (or to `scale`). */
const largest = (xs: Float32Array): number => xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

function relativeError(mine: Float32Array, ref: Float32Array, scale = Math.max(1e-6, largest(ref))): number {
  expect(mine.length).toBe(ref.length);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(mine[i] - ref[i]) / scale);
  return worst;
}

/** Runs `compute` on CPU (stock kernels and gradients) and on WASM; returns both results. */
async function onBoth(compute: (tf: Tf) => Float32Array[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const cpu = await selectBackend('cpu');
  const ref = compute(cpu.tf);
  const wasm = await selectBackend('wasm');
  expect(wasm.tf.getBackend()).toBe('wasm');
  return { cpu: ref, wasm: compute(wasm.tf) };
}

/** Gradients of a loss that weights every output differently, so a misplaced gradient shows. */
function gradsOf(tf: Tf, f: (...xs: tfjs.Tensor[]) => tfjs.Tensor, inputs: tfjs.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const loss = (...xs: tfjs.Tensor[]): tfjs.Scalar => {
      const y = f(...xs);
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 9), y.shape)));
    };
    return [f(...inputs), ...tf.grads(loss)(inputs)].map((t) => t.dataSync() as Float32Array);
  });
}

describe('WASM training kernels', () => {
  // The default models' blocks (kernel 64 stride 8, kernel 8 stride 1), the test models' (16/4, 3/1), a stride that
  // does not divide the kernel, and 'same' padding with a stride.
  const CONVS = [
    { kernel: 64, stride: 8, channels: 1, filters: 4, length: 400, pad: 'valid' },
    { kernel: 8, stride: 1, channels: 6, filters: 5, length: 60, pad: 'valid' },
    { kernel: 16, stride: 4, channels: 1, filters: 3, length: 130, pad: 'valid' },
    { kernel: 3, stride: 1, channels: 8, filters: 8, length: 31, pad: 'valid' },
    { kernel: 5, stride: 2, channels: 3, filters: 4, length: 41, pad: 'valid' },
    { kernel: 7, stride: 3, channels: 2, filters: 3, length: 50, pad: 'same' },
  ] as const;

  it.each(CONVS)('conv1d kernel $kernel stride $stride $pad: outputs, input and filter gradients match CPU within 1e-4', async (c) => {
    const { cpu, wasm } = await onBoth((tf) =>
      gradsOf(tf, (x, w) => tf.conv1d(x as tfjs.Tensor3D, w as tfjs.Tensor3D, c.stride, c.pad), [
        tf.tensor3d(values(2 * c.length * c.channels, 1), [2, c.length, c.channels]),
        tf.tensor3d(values(c.kernel * c.channels * c.filters, 2), [c.kernel, c.channels, c.filters]),
      ]),
    );
    cpu.forEach((ref, i) => expect(relativeError(wasm[i], ref)).toBeLessThan(1e-4));
  });

  it('slices and splits in place give the CPU backend\'s values: inner, middle and outer dims, contiguous or not', async () => {
    const { cpu, wasm } = await onBoth((tf) =>
      tf.tidy(() => {
        const x = tf.tensor4d(values(3 * 5 * 4 * 6, 4), [3, 5, 4, 6]);
        const int = tf.tensor2d(Int32Array.from({ length: 35 }, (_, i) => i * 7 - 50), [5, 7], 'int32');
        const parts = [
          tf.slice(x, [1, 0, 0, 0], [2, 5, 4, 6]),
          tf.slice(x, [0, 2, 1, 3], [3, 2, 3, 2]),
          tf.slice(x, [2, 4, 3, 5], [1, 1, 1, 1]),
          tf.slice(x, [0, 0, 0, 1], [3, 5, 4, 5]),
          tf.slice(int, [1, 2], [3, 4]),
          ...tf.split(x, 5, 1),
          ...tf.split(x, [2, 1, 3], 3),
          ...tf.split(tf.reshape(x, [60, 6]), 12, 0),
        ];
        return parts.map((p) => Float32Array.from(p.dataSync()));
      }),
    );
    expect(wasm).toEqual(cpu);
  });

  it.each([2, 4])('max pooling by %i sends the gradient to the first maximum of a window, ties included', async (pool) => {
    // The last 24 steps are constant, as after a conv over a zero-padded chunk tail: every window there ties.
    const x = values(2 * 64 * 3, 3).map((v, i) => (Math.floor(i / 3) % 64 >= 40 ? 0.25 : v));
    const { cpu, wasm } = await onBoth((tf) =>
      gradsOf(tf, (t) => tf.maxPool(t as tfjs.Tensor4D, [pool, 1], [pool, 1], 'valid'), [tf.tensor4d(x, [2, 64, 1, 3])]),
    );
    cpu.forEach((ref, i) => expect(relativeError(wasm[i], ref)).toBe(0));
  });

  it('batch norm in training mode: gradients of input, scale and offset match CPU', async () => {
    const { cpu, wasm } = await onBoth((tf) =>
      gradsOf(
        tf,
        (x, scale, offset) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          return tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
        },
        [tf.tensor4d(values(4 * 30 * 5, 4), [4, 30, 1, 5]), tf.tensor1d(values(5, 5)), tf.tensor1d(values(5, 6))],
      ),
    );
    cpu.forEach((ref, i) => expect(relativeError(wasm[i], ref)).toBeLessThan(1e-4));
  });

  it.each([
    [false, true],
    [true, false],
    [true, true],
  ])('matMul with transposeA %s, transposeB %s gives the CPU product (batched, and fused with a bias)', async (ta, tb) => {
    const { cpu, wasm } = await onBoth((tf) =>
      tf.tidy(() => {
        const a = tf.tensor3d(values(2 * 7 * 5, 7), ta ? [2, 5, 7] : [2, 7, 5]);
        const b = tf.tensor3d(values(2 * 5 * 3, 8), tb ? [2, 3, 5] : [2, 5, 3]);
        // Rank 2 for the fused product, as Dense and LSTM use it: tfjs-backend-wasm 4.22 adds the bias of a
        // batched fused matMul wrongly with or without our transposes.
        const [a2, b2] = [a.slice(0, 1).squeeze([0]) as tfjs.Tensor2D, b.slice(0, 1).squeeze([0]) as tfjs.Tensor2D];
        const bias = tf.tensor1d(values(3, 9));
        return [tf.matMul(a, b, ta, tb), tf.fused.matMul({ a: a2, b: b2, transposeA: ta, transposeB: tb, bias, activation: 'relu' })].map(
          (t) => t.dataSync() as Float32Array,
        );
      }),
    );
    cpu.forEach((ref, i) => expect(relativeError(wasm[i], ref)).toBeLessThan(1e-5));
  });

  it.each(['nn', 'cnn', 'lstm', 'cnn_lstm'] as const)('%s: the gradient of every weight matches CPU within 1e-4', async (kind: ModelKind) => {
    const params = { ...TINY_MODEL, model: kind };
    const samples = 512;
    const { cpu, wasm } = await onBoth((tf) => {
      const model = buildModel(tf, params, samples, 3, 1);
      const x = tf.tensor(values(4 * samples, 10), [4, ...inputShape(params, samples)]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
      const weights = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
      const loss = (): tfjs.Scalar => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tfjs.Tensor));
      const { grads } = tf.variableGrads(loss, weights);
      const out = weights.map((w) => grads[w.name].dataSync() as Float32Array);
      tf.dispose([x, y, ...Object.values(grads)]);
      model.dispose();
      return out;
    });
    expect(wasm).toHaveLength(cpu.length);
    // Relative to the model's largest gradient: a conv bias before BatchNorm has a gradient of exactly zero in
    // theory, rounding noise in practice, which no per-tensor scale can compare.
    const scale = Math.max(...cpu.map(largest));
    cpu.forEach((ref, i) => expect(relativeError(wasm[i], ref, scale)).toBeLessThan(1e-4));
  });
});
