// A trained model as files: tfjs `model.json` (topology + weights manifest) and `weights.bin`. Plain tfjs has no
// file:// handler without tfjs-node, so these are a save handler and fromMemory.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import { fuseLstmLayers } from './fused-lstm.js';

export async function saveModel(tf: Tf, model: tfjs.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(weights));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

export async function loadModel(tf: Tf, dir: string): Promise<tfjs.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { weights: tfjs.io.WeightsManifestEntry[] }[];
  };
  const bytes = readFileSync(join(dir, 'weights.bin'));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  // Predicts as it trained (fused-lstm.ts): the same float results as validation during training.
  fuseLstmLayers(tf, model);
  return model;
}

/** All weights of a model as one Float32Array (for checkpoints and best-weight snapshots). */
export function packWeights(tensors: tfjs.Tensor[]): Float32Array {
  const total = tensors.reduce((n, t) => n + t.size, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return out;
}

export function unpackWeights(tf: Tf, packed: Float32Array, like: tfjs.Tensor[]): tfjs.Tensor[] {
  let offset = 0;
  return like.map((t) => {
    const w = tf.tensor(packed.subarray(offset, offset + t.size), t.shape, 'float32');
    offset += t.size;
    return w;
  });
}
