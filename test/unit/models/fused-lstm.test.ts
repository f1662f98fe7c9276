// The fused LSTM (fused-lstm.ts) computes what the stock tfjs LSTM layer computes: the same outputs and the same
// gradients for the input and every weight, for the last state and for whole sequences, on CPU and on WASM.

import type * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../../src/models/backend.js';
import { fuseLstmLayers } from '../../../src/models/fused-lstm.js';

const values = (n: number, salt: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + salt * 1.37));

/** Output and gradients (input, kernel, recurrent kernel, bias) of a weighted sum of an LSTM's output. */
function lstmAndGradients(tf: Tf, fused: boolean, returnSequences: boolean): Float32Array[] {
  const [batch, steps, features, units] = [3, 5, 4, 6];
  const layer = tf.layers.lstm({ units, returnSequences, recurrentActivation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: tf.initializers.orthogonal({ seed: 2 }), biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 3 }) });
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [steps, features] }), layer] });
  if (fused) fuseLstmLayers(tf, model);
  const x = tf.tensor3d(values(batch * steps * features, 1), [batch, steps, features]);
  const loss = (input: tfjs.Tensor): tfjs.Scalar =>
    tf.tidy(() => {
      const y = model.apply(input) as tfjs.Tensor;
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 9), y.shape)));
    });
  const y = model.apply(x) as tfjs.Tensor;
  const dx = tf.grad(loss)(x);
  const { grads } = tf.variableGrads(() => loss(x));
  const weights = layer.trainableWeights.map((w) => grads[w.name]);
  expect(weights.every(Boolean)).toBe(true);
  const out = [y, dx, ...weights].map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, y, dx, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe('fused LSTM', () => {
  for (const backend of ['cpu', 'wasm']) {
    for (const returnSequences of [false, true]) {
      it(`gives the stock layer's output and gradients on ${backend} (${returnSequences ? 'every output' : 'last output'})`, async () => {
        const { tf } = await selectBackend(backend);
        const stock = lstmAndGradients(tf, false, returnSequences);
        const fused = lstmAndGradients(tf, true, returnSequences);
        expect(fused.map((f) => f.length)).toEqual(stock.map((s) => s.length));
        stock.forEach((s, k) => s.forEach((v, i) => expect(fused[k][i]).toBeCloseTo(v, 5)));
      });
    }
  }
});
