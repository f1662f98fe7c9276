// A faster LSTM forward and backward for the stock tfjs LSTM layer (the layer, its weights and model.json stay
// stock; only how it computes changes). tfjs runs an LSTM step as ~20 small kernels forward and more backward,
// through its generic rnn() loop, and on a 25-step sequence of batch 32 that dispatch dominates a cnn_lstm step.
// Here, as cuDNN and PyTorch do:
//   - the input projection x·K + b of every step is one matrix product before the loop; only h·R stays inside;
//   - the backward (tf.customGrad) runs only the recurrence per step (dh → dc → dz → dh·Rᵀ, 6 kernels), and
//     every elementwise factor it needs, and the weight gradients, are computed for all steps at once.
// Same maths as the stock layer; the float results differ in rounding (the bias is added before h·R, and the
// weight gradients are one product over all steps rather than a sum of per-step ones).
// Used for the layer's common case (no initial state, mask, dropout, state or reversal; tanh with sigmoid gates);
// anything else runs the stock code.

import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.js';

interface LstmInternals {
  cell: { kernel: { read(): tfjs.Tensor }; recurrentKernel: { read(): tfjs.Tensor }; bias: { read(): tfjs.Tensor } | null; units: number };
  call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: Record<string, unknown>): tfjs.Tensor | tfjs.Tensor[];
}

/** Makes every plain LSTM layer of `model` compute with fusedLstm. */
export function fuseLstmLayers(tf: Tf, model: tfjs.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'LSTM') continue;
    const c = layer.getConfig() as Record<string, unknown>;
    const plain =
      c.activation === 'tanh' && c.recurrentActivation === 'sigmoid' && c.useBias === true && !c.dropout && !c.recurrentDropout && !c.goBackwards && !c.stateful && !c.returnState;
    if (!plain) continue;
    const lstm = layer as unknown as LstmInternals;
    const stock = lstm.call.bind(lstm);
    const returnSequences = c.returnSequences === true;
    lstm.call = (inputs, kwargs) => {
      if (kwargs?.mask != null || kwargs?.initialState != null) return stock(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const { kernel, recurrentKernel, bias } = lstm.cell;
      return fusedLstm(tf, x as tfjs.Tensor3D, kernel.read() as tfjs.Tensor2D, recurrentKernel.read() as tfjs.Tensor2D, bias!.read() as tfjs.Tensor1D, returnSequences);
    };
  }
}

/**
 * An LSTM (Keras gate order i, f, c, o; sigmoid gates, tanh cell) from zero state over x [batch, steps, features]:
 * its last output [batch, units], or every output [batch, steps, units] with `returnSequences`.
 */
export function fusedLstm(tf: Tf, x: tfjs.Tensor3D, kernel: tfjs.Tensor2D, recurrent: tfjs.Tensor2D, bias: tfjs.Tensor1D, returnSequences: boolean): tfjs.Tensor {
  const [batch, steps, features] = x.shape;
  const units = recurrent.shape[0];
  const op = tf.customGrad((...args: unknown[]) => {
    const [xIn, k, r, b] = args as [tfjs.Tensor3D, tfjs.Tensor2D, tfjs.Tensor2D, tfjs.Tensor1D];
    const save = args[4] as (tensors: tfjs.Tensor[]) => void;
    // Time-major rows [steps · batch, …], so that a step's rows are one contiguous block.
    const xt = tf.reshape(tf.transpose(xIn, [1, 0, 2]), [steps * batch, features]);
    const projected = tf.split(tf.add(tf.matMul(xt, k), b), steps, 0);
    let h = tf.zeros([batch, units]) as tfjs.Tensor2D;
    let c = tf.zeros([batch, units]) as tfjs.Tensor2D;
    const hs: tfjs.Tensor2D[] = [];
    const cs: tfjs.Tensor2D[] = [];
    const sigmoids: tfjs.Tensor2D[] = [];
    const candidates: tfjs.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const z = tf.add(projected[t], tf.matMul(h, r));
      // The sigmoid of all four blocks (the third unused), then the gates by name.
      const s = tf.sigmoid(z);
      const [i, f, , o] = tf.split(s, 4, 1);
      const g = tf.tanh(tf.slice(z, [0, 2 * units], [batch, units]));
      c = tf.add(tf.mul(f, c), tf.mul(i, g));
      h = tf.mul(o, tf.tanh(c));
      hs.push(h);
      cs.push(c);
      sigmoids.push(s as tfjs.Tensor2D);
      candidates.push(g as tfjs.Tensor2D);
    }
    const H = tf.concat(hs, 0);
    save([xt, k, r, H, tf.concat(cs, 0), tf.concat(sigmoids, 0), tf.concat(candidates, 0)]);
    const value = returnSequences ? tf.transpose(tf.reshape(H, [steps, batch, units]), [1, 0, 2]) : h;
    return { value, gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) => lstmGradients(tf, dy, saved, { batch, steps, features, units, returnSequences }) };
  });
  return op(x, kernel, recurrent, bias);
}

interface Dims {
  batch: number;
  steps: number;
  features: number;
  units: number;
  returnSequences: boolean;
}

/** [dx, dkernel, drecurrent, dbias] by backpropagation through time, the recurrence alone done per step. */
function lstmGradients(tf: Tf, dy: tfjs.Tensor, saved: tfjs.Tensor[], d: Dims): tfjs.Tensor[] {
  const [xt, k, r, H, C, S, G] = saved as tfjs.Tensor2D[];
  const { batch, steps, features, units } = d;
  const rows = steps * batch;
  const zeros = tf.zeros([batch, units]);
  // The state each step started from: zeros, then the previous step's.
  const previous = (all: tfjs.Tensor2D): tfjs.Tensor2D => tf.concat([zeros, tf.slice(all, [0, 0], [rows - batch, units])], 0) as tfjs.Tensor2D;
  const [i, f, , o] = tf.split(S, 4, 1);
  const sd = tf.mul(S, tf.sub(1, S));
  const [di, df, , dout] = tf.split(sd, 4, 1);
  const tc = tf.tanh(C);
  // dz = [dc, dc, dc, dh] ⊙ factors: dz_i = dc·g·σ'(i), dz_f = dc·c₋₁·σ'(f), dz_g = dc·i·(1 − g²), dz_o = dh·tanh(c)·σ'(o).
  const factors = tf.split(tf.concat([tf.mul(G, di), tf.mul(previous(C), df), tf.mul(i, tf.sub(1, tf.square(G))), tf.mul(tc, dout)], 1), steps, 0);
  // dc gains dh·o·(1 − tanh²c) from the output at each step.
  const toCell = tf.split(tf.mul(o, tf.sub(1, tf.square(tc))), steps, 0);
  const forget = tf.split(f, steps, 0);
  const outputs = d.returnSequences ? tf.split(tf.reshape(tf.transpose(dy, [1, 0, 2]), [rows, units]), steps, 0) : undefined;
  const rT = tf.transpose(r);
  const dz: tfjs.Tensor[] = new Array<tfjs.Tensor>(steps);
  let dh: tfjs.Tensor = outputs ? outputs[steps - 1] : dy;
  let dc: tfjs.Tensor | undefined;
  for (let t = steps - 1; t >= 0; t--) {
    const fromOutput = tf.mul(dh, toCell[t]);
    dc = dc ? tf.add(tf.mul(dc, forget[t + 1]), fromOutput) : fromOutput;
    dz[t] = tf.mul(tf.concat([dc, dc, dc, dh], 1), factors[t]);
    if (t > 0) {
      const recurrent = tf.matMul(dz[t], rT);
      dh = outputs ? tf.add(recurrent, outputs[t - 1]) : recurrent;
    }
  }
  const DZ = tf.concat(dz, 0);
  const dx = tf.transpose(tf.reshape(tf.matMul(DZ, tf.transpose(k)), [steps, batch, features]), [1, 0, 2]);
  return [dx, tf.matMul(tf.transpose(xt), DZ), tf.matMul(tf.transpose(previous(H)), DZ), tf.sum(DZ, 0)];
}
