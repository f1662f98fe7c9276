// The linear SVM's objective: the Crammer–Singer multiclass squared hinge, max(0, 1 + max_{j≠y} s_j − s_y)², on
// the class scores s of its dense layer (build-model.ts puts a Softmax after them only for prediction). L2 is the
// train loop's weightDecay. Ops: sub, relu, mul, max, square; every one has a gradient on the WASM backend.

import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.js';

/** What the train loop minimises: the cross-entropy of the softmax output, or the svm's hinge on its scores. */
export type LossKind = 'crossentropy' | 'hinge';

/** The model whose output is the layer before the final Softmax: the svm's scores, sharing its weights. */
export function scoresModel(tf: Tf, model: tfjs.LayersModel): tfjs.LayersModel {
  const scores = model.layers[model.layers.length - 2];
  return tf.model({ inputs: model.inputs, outputs: scores.output as tfjs.SymbolicTensor });
}

/** Per-example squared multiclass hinge of scores [n, classes] against one-hot targets [n, classes]. */
export function squaredHinge(tf: Tf, oneHot: tfjs.Tensor, scores: tfjs.Tensor): tfjs.Tensor {
  const trueScore = tf.sum(tf.mul(scores, oneHot), -1, true);
  // The true class's own entry is masked to 0, which is also the hinge's floor, so the max is over j ≠ y.
  const margins = tf.mul(tf.relu(tf.sub(tf.add(scores, 1), trueScore)), tf.sub(1, oneHot));
  return tf.square(tf.max(margins, -1));
}

/**
 * The same hinge from softmax probabilities: log p_j − log p_y = s_j − s_y, since the softmax's normaliser cancels
 * (validation reads the model's probabilities). Probabilities are floored at the smallest float32 so a score gap
 * beyond ~100 (never reached once margins are met) stays finite.
 */
export function squaredHingeOfProbs(probs: ArrayLike<number>, label: number): number {
  const log = (p: number): number => Math.log(Math.max(p, 1e-45));
  let worst = 0;
  for (let j = 0; j < probs.length; j++) if (j !== label) worst = Math.max(worst, 1 + log(probs[j]) - log(probs[label]));
  return worst * worst;
}
