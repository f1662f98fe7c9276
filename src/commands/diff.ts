// `pipe diff A B`: params that differ, stages whose keys differ and why, metric deltas.

import { projectPaths } from '../runner/run-plan.js';
import { diffRuns, type RunDiff, type RunView, type StageKeyParts } from '../runner/run-diff.js';
import { ExperimentStore } from '../store/db.js';
import { formatTable } from './runs.js';

export function diffCommand(refA: string, refB: string, opts: { json?: boolean }): number {
  const store = ExperimentStore.open(projectPaths(process.cwd()).db);
  let diff: RunDiff;
  try {
    diff = diffRuns(runView(store, refA), runView(store, refB));
  } finally {
    store.close();
  }
  process.stdout.write((opts.json ? JSON.stringify(diff, null, 2) : formatDiff(diff)) + '\n');
  return 0;
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

function formatDiff(d: RunDiff): string {
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
  return out.join('\n');
}
