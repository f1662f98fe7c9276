// One benchmark measurement in its own thread (its own tfjs backend): train steps of a table2 model on a fixed
// synthetic batch set, reporting examples/s and GFLOP/s (forward + backward FLOPs counted by models/flops.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../models/backend.js';
import { buildModel, inputShape, type ModelKind } from '../models/build-model.js';
import { gatherBatch, type ExampleSet } from '../models/examples.js';
import { modelFlops } from '../models/flops.js';
import { trainStep, type TrainParams } from '../models/train-loop.js';
import { trainStage } from '../stages/train.js';

const { backend, model } = workerData as { backend: string; model: ModelKind };
const SAMPLES = 16000;
const CLASSES = 7;
const EXAMPLES = 64;

async function measure(): Promise<{ examples_per_s: number; gflops: number }> {
  const { tf } = await selectBackend(backend);
  // The train stage's defaults are table2's settings.
  const defaults = Object.fromEntries(
    Object.entries(trainStage.paramsSchema.properties as Record<string, { default?: unknown }>).map(([k, v]) => [k, v.default]),
  ) as unknown as TrainParams;
  const params: TrainParams = { ...defaults, model };
  const x = new Float32Array(EXAMPLES * SAMPLES);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.013) * 0.1 + ((i * 7919) % 101) / 1010;
  const set: ExampleSet = {
    x,
    labels: Int32Array.from({ length: EXAMPLES }, (_, i) => i % CLASSES),
    utterances: [],
    speakers: [],
    n: EXAMPLES,
    size: SAMPLES,
  };
  const net = buildModel(tf, params, SAMPLES, CLASSES, 1);
  const optimizer = tf.train.momentum(params.lr, params.momentum, params.nesterov);
  const shape = inputShape(params, SAMPLES);
  const batch = Array.from({ length: params.batchSize }, (_, i) => i);
  const batchOf = (idx: number[]) => ({ x: gatherBatch(set, idx), labels: Int32Array.from(idx, (i) => set.labels[i]) });
  trainStep(tf, net, optimizer, batchOf(batch), shape, CLASSES);
  const steps = backend === 'cpu' ? 2 : 8;
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) trainStep(tf, net, optimizer, batchOf(batch.map((i) => (i + s * params.batchSize) % EXAMPLES)), shape, CLASSES);
  const seconds = (performance.now() - t0) / 1000;
  const examplesPerS = (steps * params.batchSize) / seconds;
  const { forward, backward } = modelFlops(net);
  return { examples_per_s: examplesPerS, gflops: (examplesPerS * (forward + backward)) / 1e9 };
}

measure().then(
  (r) => parentPort!.postMessage(r),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message.split('\n')[0] : String(e) }),
);
