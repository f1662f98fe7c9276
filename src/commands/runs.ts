// `pipe runs` and `pipe show RUN`: what the store knows about past runs.

import { projectPaths } from '../runner/run-plan.js';
import { ExperimentStore } from '../store/db.js';
import type { RunRow } from '../store/runs.js';
import { compareFlags } from '../ui/show-flags.js';
import { artifactPictures } from '../ui/show-pictures.js';

function openStore(): ExperimentStore {
  return ExperimentStore.openExisting(projectPaths(process.cwd()).db);
}

export function runsCommand(opts: { spec?: string; status?: string; since?: string; limit: number; json?: boolean }): number {
  const store = openStore();
  try {
    const runs = store.listRuns({ spec: opts.spec, status: opts.status, since: opts.since, limit: opts.limit });
    if (opts.json) {
      process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
      return 0;
    }
    if (!runs.length) {
      process.stdout.write('no runs yet: start one with `pipe run SPEC`\n');
      return 0;
    }
    const table = runs.map((r) => [r.id, r.name ?? '', r.status, r.startedAt, formatMs(r.ms), r.backend ?? '', r.specPath]);
    process.stdout.write(formatTable(['run', 'name', 'status', 'started', 'time', 'backend', 'spec'], table) + '\n');
    return 0;
  } finally {
    store.close();
  }
}

export function showCommand(ref: string, opts: { json?: boolean }): number {
  const store = openStore();
  try {
    const run = store.getRun(ref);
    const stages = store.getRunStages(run.id);
    const metrics = store.getRunMetrics(run.id);
    if (opts.json) {
      process.stdout.write(JSON.stringify({ run, stages, metrics }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(describeRun(run) + '\n\n');
    const rows = stages.map((s) => [s.instanceId, s.status, s.key.slice(0, 10), formatMs(s.ms), s.error ?? '']);
    process.stdout.write(formatTable(['stage', 'status', 'key', 'time', 'error'], rows) + '\n');
    const shown = metrics.filter((m) => ['accuracy', 'ua', 'macroF1'].includes(m.name));
    if (shown.length) {
      process.stdout.write('\n' + formatTable(['stage', 'metric', 'value'], shown.map((m) => [m.instanceId, m.name, (m.value * 100).toFixed(2) + '%'])) + '\n');
    }
    const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
    const pictures = artifactPictures(stages, (key) => store.getStageResult(key), { color });
    if (pictures) process.stdout.write('\n' + pictures + '\n');
    const flags = compareFlags(stages, (key) => store.getStageResult(key));
    if (flags) process.stdout.write('\n' + flags + '\n');
    return 0;
  } finally {
    store.close();
  }
}

function describeRun(run: RunRow): string {
  const lines = [
    `run      ${run.id}${run.name ? ` (${run.name})` : ''}`,
    `spec     ${run.specPath} (${run.specHash.slice(0, 10)})`,
    `status   ${run.status}, started ${run.startedAt}, ${formatMs(run.ms)}`,
    `backend  ${run.backend ?? '-'}`,
  ];
  const overrides = Object.entries(run.overrides ?? {});
  if (overrides.length) lines.push(`set      ${overrides.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
  // `pipe tune`'s runs say here which tune, rung or chosen trial (and its validation score) they are.
  if (run.tags.length) lines.push(`tags     ${run.tags.join(' ')}`);
  return lines.join('\n');
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
