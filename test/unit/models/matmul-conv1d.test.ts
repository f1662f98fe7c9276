// The im2col + matMul convolution against tfjs' own conv1d: same outputs, and on WASM the same gradients as the
// CPU backend computes with its Conv2DBackpropFilter/Input kernels.

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/models/backend.js';
import { im2col } from '../../../src/models/matmul-conv1d.js';

// Every (kernel, stride, channels, filters, length) the default models use, plus a stride that does not divide
// the kernel (the general path).
const CASES = [
  { kernel: 64, stride: 8, channels: 1, filters: 4, length: 400 },
  { kernel: 32, stride: 4, channels: 1, filters: 4, length: 300 },
  { kernel: 8, stride: 1, channels: 6, filters: 5, length: 60 },
  { kernel: 5, stride: 2, channels: 3, filters: 4, length: 41 },
];

type Case = (typeof CASES)[number];

function gradients(t: typeof tf, c: Case, viaMatMul: boolean): { out: Float32Array; dx: Float32Array; dw: Float32Array } {
  return t.tidy(() => {
    const x = t.tensor3d(Float32Array.from({ length: 2 * c.length * c.channels }, (_, i) => Math.sin(i * 0.37)), [2, c.length, c.channels]);
    const w = t.tensor3d(Float32Array.from({ length: c.kernel * c.channels * c.filters }, (_, i) => Math.cos(i * 0.11) * 0.1), [c.kernel, c.channels, c.filters]);
    const conv = (a: tf.Tensor3D, f: tf.Tensor3D): tf.Tensor3D => {
      if (!viaMatMul) return t.conv1d(a, f, c.stride, 'valid');
      const p = im2col(t, a, c.kernel, c.stride);
      const [b, o, width] = p.shape;
      return t.reshape(t.matMul(t.reshape(p, [b * o, width]), t.reshape(f, [c.kernel * c.channels, c.filters])), [b, o, c.filters]);
    };
    // A loss that weights every output differently, so that a misplaced gradient shows.
    const loss = (a: tf.Tensor3D, f: tf.Tensor3D): tf.Scalar => {
      const y = conv(a, f);
      return t.sum(t.mul(y, t.reshape(t.range(0, y.size), y.shape).mul(0.01).sin()));
    };
    const [dx, dw] = t.grads((a: tf.Tensor, f: tf.Tensor) => loss(a as tf.Tensor3D, f as tf.Tensor3D))([x, w]);
    return { out: conv(x, w).dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const scale = Math.max(1e-6, ...Array.from(b, Math.abs));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

describe('Conv1D as im2col + matMul', () => {
  it.each(CASES)('matches tf.conv1d outputs and gradients on CPU (kernel $kernel, stride $stride)', async (c) => {
    await selectBackend('cpu');
    const ref = gradients(tf, c, false);
    const mine = gradients(tf, c, true);
    expect(maxRelativeError(mine.out, ref.out)).toBeLessThan(1e-5);
    expect(maxRelativeError(mine.dx, ref.dx)).toBeLessThan(1e-5);
    expect(maxRelativeError(mine.dw, ref.dw)).toBeLessThan(1e-5);
  });

  it.each(CASES)('on WASM gives the CPU backend’s conv1d gradients within 1e-4 (kernel $kernel, stride $stride)', async (c) => {
    const cpu = await selectBackend('cpu');
    const ref = gradients(cpu.tf, c, false);
    const wasm = await selectBackend('wasm');
    expect(wasm.tf.getBackend()).toBe('wasm');
    const mine = gradients(wasm.tf, c, true);
    expect(maxRelativeError(mine.dx, ref.dx)).toBeLessThan(1e-4);
    expect(maxRelativeError(mine.dw, ref.dw)).toBeLessThan(1e-4);
    expect(maxRelativeError(mine.out, ref.out)).toBeLessThan(1e-4);
  });
});
