// A faster training pass for the stock BatchNormalization layer (the layer, its weights and model.json stay stock).
// In training, tfjs computes the batch's moments with ops the tape records, so the backward runs FusedBatchNorm's
// gradient and then back through the variance, the mean and their broadcasts: about 25 passes over the first conv
// block's [32, 1993, 16] activations, several of them broadcasting kernels that WASM runs at ~10 ms per million
// values. Here the forward is the same maths in 6 passes and the backward the closed form (one tf.customGrad),
//   dβ = Σ dy,   dγ = Σ dy·x̂,   dx = γ/σ · (dy − dβ/N − x̂·dγ/N),
// in 5; the moving averages are updated as the stock layer does. Float results differ from the stock layer's in
// rounding only. Inference, and any layer that is not channels-last with centre and scale, run the stock code.

import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.js';

interface BatchNormInternals {
  gamma: { read(): tfjs.Tensor };
  beta: { read(): tfjs.Tensor };
  movingMean: { read(): tfjs.Tensor; write(t: tfjs.Tensor): void };
  movingVariance: { read(): tfjs.Tensor; write(t: tfjs.Tensor): void };
  momentum: number;
  epsilon: number;
  call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: Record<string, unknown>): tfjs.Tensor | tfjs.Tensor[];
}

/** Makes every channels-last BatchNormalization layer of `model` train through the closed-form gradient. */
export function fuseBatchNormLayers(tf: Tf, model: tfjs.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const c = layer.getConfig() as Record<string, unknown>;
    if (c.axis !== -1 || c.center !== true || c.scale !== true) continue;
    const bn = layer as unknown as BatchNormInternals;
    const stock = bn.call.bind(bn);
    bn.call = (inputs, kwargs) => {
      if (kwargs?.training !== true) return stock(inputs, kwargs);
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tfjs.Tensor;
      return tf.tidy(() => {
        const { y, mean, variance } = batchNormInTraining(tf, x, bn.gamma.read(), bn.beta.read(), bn.epsilon);
        // The stock layer's moving averages, op for op.
        for (const [v, value] of [[bn.movingMean, mean], [bn.movingVariance, variance]] as const) {
          tf.tidy(() => {
            const old = v.read();
            v.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - bn.momentum)));
          });
        }
        tf.dispose([mean, variance]);
        return y;
      });
    };
  }
}

/**
 * Batch normalisation over every axis but the last, with its batch mean and variance (for the moving averages).
 * The activations are viewed as [rows, channels], and each per-channel affine map (x·s + o) is one pass (a 1×1
 * depthwise convolution with a bias), where tfjs' broadcasting Mul then Add take two and its FusedBatchNorm
 * kernel twice as long.
 */
export function batchNormInTraining(tf: Tf, x: tfjs.Tensor, gamma: tfjs.Tensor, beta: tfjs.Tensor, epsilon: number): { y: tfjs.Tensor; mean: tfjs.Tensor; variance: tfjs.Tensor } {
  const channels = x.shape[x.rank - 1];
  const rows = x.size / channels;
  let mean: tfjs.Tensor | undefined;
  let variance: tfjs.Tensor | undefined;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xIn, g, b] = args as tfjs.Tensor[];
    const save = args[3] as (tensors: tfjs.Tensor[]) => void;
    const columnMean = (t: tfjs.Tensor2D): tfjs.Tensor1D => tf.div(tf.sum(t, 0), rows);
    const x2 = tf.reshape(xIn, [rows, channels]) as tfjs.Tensor2D;
    const m = columnMean(x2);
    const centred = affine(tf, x2, tf.onesLike(m), tf.neg(m));
    const v = columnMean(tf.square(centred));
    const scale = tf.rsqrt(tf.add(v, epsilon));
    const normalized = affine(tf, centred, scale, tf.zerosLike(m));
    mean = tf.keep(m);
    variance = tf.keep(v);
    save([normalized, g, scale]);
    const value = tf.reshape(affine(tf, normalized, g, b), xIn.shape);
    const gradFunc = (dy: tfjs.Tensor, saved: tfjs.Tensor[]): tfjs.Tensor[] => {
      const [xhat, gs, r] = saved as [tfjs.Tensor2D, tfjs.Tensor1D, tfjs.Tensor1D];
      const dy2 = tf.reshape(dy, [rows, channels]) as tfjs.Tensor2D;
      const columnSum = (t: tfjs.Tensor2D): tfjs.Tensor1D => tf.sum(t, 0);
      const dBeta = columnSum(dy2);
      const dGamma = columnSum(tf.mul(dy2, xhat));
      // dx = γ/σ · (dy − dβ/N − x̂·dγ/N) = dy·a − dβ·a/N − x̂·(a·dγ/N), with a = γ/σ.
      const a = tf.mul(gs, r);
      const dx = tf.sub(affine(tf, dy2, a, tf.neg(tf.div(tf.mul(a, dBeta), rows))), affine(tf, xhat, tf.div(tf.mul(a, dGamma), rows), tf.zerosLike(a)));
      return [tf.reshape(dx, xIn.shape), dGamma, dBeta];
    };
    return { value, gradFunc };
  });
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}

/** t·scale + offset per column of t [rows, channels]: a 1×1 depthwise convolution with a bias, one pass. */
function affine(tf: Tf, t: tfjs.Tensor2D, scale: tfjs.Tensor, offset: tfjs.Tensor): tfjs.Tensor2D {
  const [rows, channels] = t.shape;
  const out = tf.fused.depthwiseConv2d({ x: tf.reshape(t, [1, rows, 1, channels]) as tfjs.Tensor4D, filter: tf.reshape(scale, [1, 1, channels, 1]) as tfjs.Tensor4D, strides: 1, pad: 'valid', bias: offset });
  return tf.reshape(out, [rows, channels]);
}
