// `pipe diff A B`: params that differ, stages whose keys differ and why, metric deltas.

import { projectPaths } from '../runner/run-plan.js';
import { ExperimentStore } from '../store/db.js';
import { accuracyTest, readPredictions, type AccuracyTest } from './accuracy-tests.js';
import { diffRuns, type RunDiff, type RunView, type StageKeyParts } from './run-diff.js';
import { formatTable } from './runs.js';

export function diffCommand(refA: string, refB: string, opts: { json?: boolean }): number {
  const store = ExperimentStore.openExisting(projectPaths(process.cwd()).db);
  let diff: RunDiff & { tests: AccuracyTest[] };
  try {
    const [a, b] = [runView(store, refA), runView(store, refB)];
    diff = { ...diffRuns(a, b), tests: accuracyTests(store, a, b) };
  } finally {
    store.close();
  }
  process.stdout.write((opts.json ? JSON.stringify(diff, null, 2) : formatDiff(diff)) + '\n');
  return 0;
}

/** Evaluate stages in both runs whose predictions are on disk. */
function accuracyTests(store: ExperimentStore, a: RunView, b: RunView): AccuracyTest[] {
  const tests: AccuracyTest[] = [];
  const inB = new Map(b.stages.map((s) => [s.instanceId, s]));
  for (const sa of a.stages) {
    const sb = inB.get(sa.instanceId);
    const [ra, rb] = [store.getStageResult(sa.key), sb && store.getStageResult(sb.key)];
    if (!ra || !rb || ra.type !== 'evaluate') continue;
    const [pa, pb] = [readPredictions(ra.artifactPath), readPredictions(rb.artifactPath)];
    if (pa?.length && pb?.length) tests.push(accuracyTest(sa.instanceId, pa, pb));
  }
  return tests;
}

function runView(store: ExperimentStore, ref: string): RunView {
  const run = store.getRun(ref);
  const stages = store.getRunStages(run.id);
  const keyParts = new Map<string, StageKeyParts>();
  for (const s of stages) {
    const r = store.getStageResult(s.key);
    if (r) keyParts.set(s.key, { type: r.type, version: r.version, params: r.params, inputs: r.inputs, seed: r.seed });
  }
  const metrics = new Map<string, Record<string, number>>();
  for (const m of store.getRunMetrics(run.id)) {
    const row = metrics.get(m.instanceId) ?? {};
    row[m.name] = m.value;
    metrics.set(m.instanceId, row);
  }
  return { id: run.id, resolvedSpec: run.resolvedSpec, stages, keyParts, metrics };
}

function formatDiff(d: RunDiff & { tests: AccuracyTest[] }): string {
  const out: string[] = [`diff ${d.a} → ${d.b}`, ''];
  out.push(d.params.length ? 'params that differ:' : 'params: identical');
  for (const p of d.params) out.push(`  ${p.path}: ${JSON.stringify(p.a) ?? '(unset)'} → ${JSON.stringify(p.b) ?? '(unset)'}`);
  out.push('');
  out.push(d.stages.length ? 'stages whose keys differ:' : 'stage keys: identical');
  for (const s of d.stages) out.push(`  ${s.instanceId}: ${s.keyA.slice(0, 10)} → ${s.keyB.slice(0, 10)}  because ${s.reason}`);
  if (d.onlyInA.length) out.push(`  only in ${d.a}: ${d.onlyInA.join(', ')}`);
  if (d.onlyInB.length) out.push(`  only in ${d.b}: ${d.onlyInB.join(', ')}`);
  const shown = d.metrics.filter((m) => ['accuracy', 'ua', 'macroF1'].includes(m.metric));
  if (shown.length) {
    out.push('', 'metrics:');
    const pct = (x: number): string => (x * 100).toFixed(2);
    const rows = shown.map((m) => [m.instanceId, m.metric, pct(m.a), pct(m.b), (m.delta >= 0 ? '+' : '') + pct(m.delta)]);
    out.push(formatTable(['stage', 'metric', 'A %', 'B %', 'Δ pts'], rows).replace(/^/gm, '  '));
  }
  if (d.tests.length) {
    out.push('', 'is the accuracy difference real?');
    for (const t of d.tests) {
      const delta = ((t.accuracyB - t.accuracyA) * 100).toFixed(2);
      const ci = t.interval ? `95% CI of B − A [${(t.interval[0] * 100).toFixed(1)}, ${(t.interval[1] * 100).toFixed(1)}] pts` : '';
      out.push(
        t.method === 'mcnemar'
          ? `  ${t.instanceId}: Δ ${delta} pts on the same ${t.files} test files; McNemar exact p = ${t.p!.toPrecision(3)} (only A right: ${t.b}, only B right: ${t.c}); ${ci}`
          : `  ${t.instanceId}: Δ ${delta} pts on different test files (bootstrap); ${ci}`,
      );
    }
  }
  return out.join('\n');
}
