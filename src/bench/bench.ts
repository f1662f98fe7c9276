// `npm run bench`: training speed per backend that loads (examples/s and achieved GFLOP/s of the table2 models
// on a fixed synthetic batch set), and the runner's own costs (a cached re-run, artifact hashing, db writes).
// Not a test: it prints numbers. `--json` prints one object. `--peer` adds PyTorch's figures for the same cnn_lstm
// (src/bench/peer.ts) and the ratios; the wasm cnn_lstm result carries a profile of one training step.
//
// GFLOP/s counts the forward and backward matrix products of each layer (src/models/flops.ts).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadPlan } from '../pipeline-spec/load-plan.js';
import { DEFAULT_MAX_CELLS } from '../pipeline-spec/matrix.js';
import { stageRegistry } from '../stages/registry.js';
import { ExperimentStore } from '../store/db.js';
import { writeSyntheticCorpus } from '../dataset/synthetic.js';
import { ContentDigests } from '../store/content-digest.js';
import { hashFile } from '../store/hash-files.js';
import type { StepProfile } from './bench-worker.js';
import { peerSpeed } from './peer.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

export interface BackendResult {
  examples_per_s: number;
  gflops: number;
  profile?: StepProfile;
}

async function trainingSpeed(backend: string, model: string, workers: number, profile = false): Promise<BackendResult | { error: string }> {
  const runs = Array.from({ length: workers }, () =>
    new Promise<BackendResult | { error: string }>((res) => {
      const w = new Worker(join(here, 'bench-worker.js'), { workerData: { backend, model, profile } });
      w.once('message', (m: BackendResult | { error: string }) => {
        res(m);
        void w.terminate();
      });
      w.once('error', (e) => res({ error: e.message }));
    }),
  );
  const results = await Promise.all(runs);
  const failed = results.find((r): r is { error: string } => 'error' in r);
  if (failed) return failed;
  const ok = results as BackendResult[];
  return { examples_per_s: sum(ok.map((r) => r.examples_per_s)), gflops: sum(ok.map((r) => r.gflops)), ...(ok[0].profile ? { profile: ok[0].profile } : {}) };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/**
 * Wall time, Node start included, of a re-run with every stage cached: of experiments/table2.yaml in the project
 * folder PIPE_BENCH_PROJECT (one where table2 has run), else of pipelines/demo.yaml in a fresh folder.
 */
function noopRerun(): { spec: string; ms: number } | { error: string } {
  const project = process.env.PIPE_BENCH_PROJECT;
  const cwd = project ?? mkdtempSync(join(tmpdir(), 'pipe-bench-'));
  const spec = project ? 'experiments/table2.yaml' : join(root, 'pipelines', 'demo.yaml');
  const run = (): number => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'run', spec, '--plain'], { cwd, env: { ...process.env, CI: '1' }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr || r.stdout);
    return performance.now() - t0;
  };
  try {
    run();
    return { spec, ms: Math.min(run(), run(), run()) };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  } finally {
    if (!project) rmSync(cwd, { recursive: true, force: true });
  }
}

async function hashMbPerS(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-hash-'));
  const file = join(dir, 'blob.bin');
  const mb = 256;
  const block = Buffer.alloc(1 << 20, 7);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, Buffer.concat(Array.from({ length: mb }, () => block)));
  await hashFile(file);
  const t0 = performance.now();
  for (let i = 0; i < 4; i++) await hashFile(file);
  const s = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return (4 * mb) / s;
}

/**
 * The data fingerprint of ingest's root (EMODB_ROOT, else a synthetic folder of 535 WAVs): first time, every file
 * hashed and stamped in experiments.db; then, stamps matching, only stat'ed (what a no-op re-run pays).
 */
function dataDigest(): { folder: string; files: number; first_ms: number; stamped_ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-digest-'));
  const folder = process.env.EMODB_ROOT ?? join(dir, 'wav');
  if (!process.env.EMODB_ROOT) writeSyntheticCorpus(folder, { count: 535, minSeconds: 1.5, maxSeconds: 3, sampleRate: 16000, seed: 1 });
  const store = ExperimentStore.open(join(dir, 'experiments.db'));
  try {
    let t0 = performance.now();
    const first = new ContentDigests(store);
    first.digest(folder);
    const firstMs = performance.now() - t0;
    let stamped = Infinity;
    for (let i = 0; i < 3; i++) {
      t0 = performance.now();
      new ContentDigests(store).digest(folder);
      stamped = Math.min(stamped, performance.now() - t0);
    }
    return { folder, files: first.hashedFiles, first_ms: Math.round(firstMs), stamped_ms: Math.round(stamped * 10) / 10 };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function dbRowsPerS(): number {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-db-'));
  const store = ExperimentStore.open(join(dir, 'experiments.db'));
  const runId = store.createRun({ name: null, tags: [], specPath: 'bench', specHash: 'x', overrides: {}, resolvedSpec: {}, versions: {}, backend: null });
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n / 10; i++) {
    const metrics = Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`m${k}`, i * k]));
    store.recordMetrics(runId, `stage${i}`, 'k', metrics, null);
  }
  const s = (performance.now() - t0) / 1000;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return n / s;
}

/**
 * Planning a spec of the largest size pipe accepts by default (DEFAULT_MAX_CELLS cells: 1000 seeds × 10 chunk
 * lengths over ingest → normalize → split → chunk): in-process loadPlan (best of 3) and `pipe validate`, Node
 * start included.
 */
function planAtLimit(): { cells: number; instances: number; load_plan_ms: number; validate_ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-plan-'));
  const seeds = DEFAULT_MAX_CELLS / 10;
  writeFileSync(
    join(dir, 'spec.yaml'),
    [
      'name: plan-limit',
      'stages:',
      '  ingest: { type: ingest, params: { format: synthetic, count: 28 } }',
      '  normalize: { type: normalize, needs: [ingest] }',
      '  split: { type: split, needs: [normalize] }',
      '  chunk: { type: chunk, needs: [split] }',
      'matrix:',
      `  seed: { from: 1, to: ${seeds}, step: 1 }`,
      '  chunk.length: { from: 1000, to: 10000, step: 1000 }',
      '',
    ].join('\n'),
  );
  try {
    let plan = loadPlan('spec.yaml', { stages: stageRegistry, cwd: dir, env: {} });
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      plan = loadPlan('spec.yaml', { stages: stageRegistry, cwd: dir, env: {} });
      best = Math.min(best, performance.now() - t0);
    }
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'validate', 'spec.yaml'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const validateMs = performance.now() - t0;
    return { cells: plan.cells.length, instances: plan.instances.length, load_plan_ms: Math.round(best), validate_ms: Math.round(validateMs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  if (process.argv.includes('--queue')) {
    const { queueBench } = await import('./queue-bench.js');
    const q = await queueBench();
    if (json) process.stdout.write(JSON.stringify(q, null, 2) + '\n');
    else {
      const o = q.overhead;
      const s = q.speedup;
      process.stdout.write(`queue (${q.redis}): ${o.stages} trivial stages, ${o.queue_ms_per_stage} ms each through the queue, ${o.local_ms_per_stage} ms in-process: ${o.overhead_ms_per_stage} ms overhead per stage\n`);
      process.stdout.write(`queue: ${s.stages} CPU-bound stages, 1 worker ${s.one_worker_s} s, 2 workers ${s.two_workers_s} s: speed-up ${s.speedup}x (load average ${q.load_average.join(' ')})\n`);
    }
    return;
  }
  // `--backends=` (empty) measures the runner only.
  const only = process.argv.find((a) => a.startsWith('--backends='))?.slice('--backends='.length).split(',').filter(Boolean);
  const backends: Record<string, Record<string, BackendResult | { error: string }>> = {};
  for (const backend of only ?? ['node', 'wasm', 'cpu']) {
    backends[backend] = {};
    for (const model of ['cnn_lstm', 'nn']) {
      const r = await trainingSpeed(backend, model, 1, backend === 'wasm' && model === 'cnn_lstm');
      backends[backend][model] = r;
      if ('error' in r) break;
    }
    if (!('error' in backends[backend].cnn_lstm)) backends[backend].cnn_lstm_2_workers = await trainingSpeed(backend, 'cnn_lstm', 2);
  }
  // Right after pipe's own figures, so that the ratios compare one sitting.
  const peer = process.argv.includes('--peer') ? peerComparison(backends.wasm) : undefined;
  const result = {
    backends,
    ...(peer ? { peer } : {}),
    noop_rerun: noopRerun(),
    data_digest: dataDigest(),
    plan_at_limit: planAtLimit(),
    hash_mb_per_s: await hashMbPerS(),
    db_rows_per_s: dbRowsPerS(),
  };
  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  for (const [backend, models] of Object.entries(backends)) {
    for (const [model, r] of Object.entries(models)) {
      process.stdout.write('error' in r ? `${backend} ${model}: unavailable (${r.error})\n` : `${backend} ${model}: ${r.examples_per_s.toFixed(1)} examples/s, ${r.gflops.toFixed(2)} GFLOP/s\n`);
      if (!('error' in r) && r.profile) writeProfile(`${backend} ${model}`, r.profile);
    }
  }
  if (peer) writePeer(peer);
  const p = result.plan_at_limit;
  process.stdout.write(`plan of ${p.cells} cells (${p.instances} stage instances): loadPlan ${p.load_plan_ms} ms, pipe validate ${p.validate_ms} ms\n`);
  const d = result.data_digest;
  process.stdout.write(`data fingerprint of ${d.files} files: ${d.first_ms} ms first (hashed), ${d.stamped_ms} ms stamped\n`);
  process.stdout.write(`no-op re-run: ${JSON.stringify(result.noop_rerun)}\nhashing: ${result.hash_mb_per_s.toFixed(0)} MB/s\ndb: ${result.db_rows_per_s.toFixed(0)} metric rows/s\n`);
}

void main();

type Peer = ReturnType<typeof peerSpeed> & { ratio_1?: number; ratio_2?: number; load_average: number[] };

/** PyTorch's cnn_lstm with 1 and 2 threads, and pipe's wasm cnn_lstm (1 and 2 workers) divided by it. */
function peerComparison(wasm: Record<string, BackendResult | { error: string }> | undefined): Peer {
  const peer = peerSpeed(root);
  const load_average = loadavg().map((l) => Math.round(l * 100) / 100);
  if ('skipped' in peer) return { ...peer, load_average };
  const rate = (r: BackendResult | { error: string } | undefined): number | undefined => (r && !('error' in r) ? r.examples_per_s : undefined);
  const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a && b ? Math.round((a / b) * 100) / 100 : undefined);
  return { ...peer, ratio_1: ratio(rate(wasm?.cnn_lstm), peer.threads['1']), ratio_2: ratio(rate(wasm?.cnn_lstm_2_workers), peer.threads['2']), load_average };
}

function writePeer(peer: Peer): void {
  if ('skipped' in peer) {
    process.stdout.write(`${peer.skipped}\n`);
    return;
  }
  const t = peer.threads;
  process.stdout.write(`pytorch ${peer.torch} cnn_lstm: ${t['1']} examples/s (1 thread), ${t['2']} (2 threads); pipe wasm ÷ pytorch: ${peer.ratio_1 ?? '–'} (1 worker ÷ 1 thread), ${peer.ratio_2 ?? '–'} (2 workers ÷ 2 threads); load average ${peer.load_average.join(' ')}\n`);
}

function writeProfile(name: string, p: StepProfile): void {
  process.stdout.write(`  one ${name} step: ${p.step_ms} ms, ${p.kernels} kernels taking ${p.kernel_ms} ms; costliest:\n`);
  for (const k of p.by_kernel_and_shape.slice(0, 10)) process.stdout.write(`    ${k.kernel.padEnd(40)} ${k.ms.toFixed(1).padStart(7)} ms in ${k.calls} call(s)\n`);
}
