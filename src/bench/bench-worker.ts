// One benchmark measurement in its own thread (its own tfjs backend): train steps of a table2 model on a fixed
// synthetic batch set, reporting examples/s (the median of three runs of 8 steps after one warm-up step) and
// GFLOP/s (forward + backward FLOPs counted by models/flops.ts). With `profile`, also where one training step's
// time goes: tfjs's profiler around one step, its kernels summed by name and by name and input shape.

import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, type Tf } from '../models/backend.js';
import { buildModel, inputShape, type ModelKind } from '../models/build-model.js';
import { gatherBatch, type ExampleSet } from '../models/examples.js';
import { modelFlops } from '../models/flops.js';
import { trainStep, type TrainParams } from '../models/train-loop.js';
import { trainStage } from '../stages/train.js';

const { backend, model, profile } = workerData as { backend: string; model: ModelKind; profile?: boolean };
const SAMPLES = 16000;
const CLASSES = 7;
const EXAMPLES = 64;

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

export interface StepProfile {
  /** Wall time of the profiled step, and the sum of its kernels' times (the rest is JavaScript between kernels). */
  step_ms: number;
  kernel_ms: number;
  kernels: number;
  by_kernel: KernelTime[];
  /** The 15 costliest (kernel, first input's shape) pairs: which layer a kernel served shows in its shape. */
  by_kernel_and_shape: KernelTime[];
}

async function measure(): Promise<{ examples_per_s: number; gflops: number; profile?: StepProfile }> {
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
  const buffer = new Float32Array(params.batchSize * SAMPLES);
  const step = (s: number): void => {
    const idx = batch.map((i) => (i + s * params.batchSize) % EXAMPLES);
    trainStep(tf, net, optimizer, { x: gatherBatch(set, idx, buffer), labels: Int32Array.from(idx, (i) => set.labels[i]) }, shape, CLASSES);
  };
  step(0);
  const steps = backend === 'cpu' ? 2 : 8;
  const rates: number[] = [];
  for (let r = 0; r < (backend === 'cpu' ? 1 : 3); r++) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) step(s);
    rates.push((steps * params.batchSize * 1000) / (performance.now() - t0));
  }
  const examplesPerS = rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)];
  const { forward, backward } = modelFlops(net);
  return { examples_per_s: examplesPerS, gflops: (examplesPerS * (forward + backward)) / 1e9, ...(profile ? { profile: await profileStep(tf, () => step(1)) } : {}) };
}

async function profileStep(tf: Tf, step: () => void): Promise<StepProfile> {
  const t0 = performance.now();
  const info = await tf.profile(step);
  const stepMs = performance.now() - t0;
  const sumBy = (key: (k: (typeof info.kernels)[number]) => string): KernelTime[] => {
    const totals = new Map<string, KernelTime>();
    for (const k of info.kernels) {
      const t = totals.get(key(k)) ?? { kernel: key(k), ms: 0, calls: 0 };
      t.ms += k.kernelTimeMs as number;
      t.calls += 1;
      totals.set(t.kernel, t);
    }
    return [...totals.values()].sort((a, b) => b.ms - a.ms).map((t) => ({ ...t, ms: Math.round(t.ms * 10) / 10 }));
  };
  return {
    step_ms: Math.round(stepMs),
    kernel_ms: Math.round(info.kernels.reduce((s, k) => s + (k.kernelTimeMs as number), 0)),
    kernels: info.kernels.length,
    by_kernel: sumBy((k) => k.name).slice(0, 15),
    by_kernel_and_shape: sumBy((k) => `${k.name} [${(k.inputShapes[0] ?? []).join(',')}]`).slice(0, 15),
  };
}

measure().then(
  (r) => parentPort!.postMessage(r),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message.split('\n')[0] : String(e) }),
);
