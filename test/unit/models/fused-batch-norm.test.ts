// The closed-form BatchNorm gradient (fused-batch-norm.ts) gives what the stock layer's recorded ops give: the same
// training output, gradients for the input, gamma and beta, and moving averages, on CPU and on WASM.

import type * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../../src/models/backend.js';
import { fuseBatchNormLayers } from '../../../src/models/fused-batch-norm.js';

const values = (n: number, salt: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + salt * 1.37) * 2 + 0.5);

function batchNormAndGradients(tf: Tf, fused: boolean): Float32Array[] {
  const [batch, steps, channels] = [4, 9, 3];
  const layer = tf.layers.batchNormalization({ momentum: 0.9, gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 1 }), betaInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 2 }) });
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [steps, channels] }), layer] });
  if (fused) fuseBatchNormLayers(tf, model);
  const x = tf.tensor3d(values(batch * steps * channels, 1), [batch, steps, channels]);
  const loss = (input: tfjs.Tensor): tfjs.Scalar =>
    tf.tidy(() => {
      const y = model.apply(input, { training: true }) as tfjs.Tensor;
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 9), y.shape)));
    });
  const y = model.apply(x, { training: true }) as tfjs.Tensor;
  const dx = tf.grad(loss)(x);
  const { value, grads } = tf.variableGrads(() => loss(x));
  const weights = layer.trainableWeights.map((w) => grads[w.name]);
  expect(weights).toHaveLength(2);
  const out = [y, dx, ...weights, ...layer.nonTrainableWeights.map((w) => w.read())].map((t) => Float32Array.from(t.dataSync()));
  tf.dispose([x, y, dx, value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe('closed-form BatchNorm gradient', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`gives the stock layer's output, gradients and moving averages on ${backend}`, async () => {
      const { tf } = await selectBackend(backend);
      const before = tf.memory().numTensors;
      const stock = batchNormAndGradients(tf, false);
      const fused = batchNormAndGradients(tf, true);
      expect(tf.memory().numTensors).toBe(before);
      expect(fused.map((f) => f.length)).toEqual(stock.map((s) => s.length));
      stock.forEach((s, k) => s.forEach((v, i) => expect(fused[k][i]).toBeCloseTo(v, 4)));
    });
  }
});
