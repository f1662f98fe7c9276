// What differs between two runs: resolved spec params, stage keys (with the first upstream reason), metrics.
// Pure: it takes what the store holds for each run.

import { canonicalJson, type Json, type JsonObject } from '../json.js';

export interface RunStageView {
  instanceId: string;
  stageName: string;
  key: string;
}

export interface StageKeyParts {
  type: string;
  version: number;
  params: JsonObject;
  inputs: string[];
  seed: number | null;
}

export interface RunView {
  id: string;
  resolvedSpec: JsonObject;
  stages: RunStageView[];
  /** Key → what made the key; missing for stages that never ran in this project. */
  keyParts: Map<string, StageKeyParts>;
  /** instance id → metric name → value. */
  metrics: Map<string, Record<string, number>>;
}

export interface ParamChange {
  path: string;
  a: Json | undefined;
  b: Json | undefined;
}

export interface StageKeyChange {
  instanceId: string;
  keyA: string;
  keyB: string;
  /** Human-readable reason, e.g. `param test: 0.2 → 0.3`, `input split changed (param test: 0.2 → 0.3)`. */
  reason: string;
}

export interface MetricDelta {
  instanceId: string;
  metric: string;
  a: number;
  b: number;
  delta: number;
}

export interface RunDiff {
  a: string;
  b: string;
  params: ParamChange[];
  stages: StageKeyChange[];
  onlyInA: string[];
  onlyInB: string[];
  metrics: MetricDelta[];
}

export function diffRuns(a: RunView, b: RunView): RunDiff {
  const stagesA = new Map(a.stages.map((s) => [s.instanceId, s]));
  const stagesB = new Map(b.stages.map((s) => [s.instanceId, s]));
  const changes: StageKeyChange[] = [];
  for (const [id, sa] of stagesA) {
    const sb = stagesB.get(id);
    if (sb && sb.key !== sa.key) {
      changes.push({ instanceId: id, keyA: sa.key, keyB: sb.key, reason: keyReason(sa.key, sb.key, a, b) });
    }
  }
  const metrics: MetricDelta[] = [];
  for (const [id, ma] of a.metrics) {
    const mb = b.metrics.get(id);
    if (!mb) continue;
    for (const name of Object.keys(ma).sort()) {
      if (typeof mb[name] === 'number') metrics.push({ instanceId: id, metric: name, a: ma[name], b: mb[name], delta: mb[name] - ma[name] });
    }
  }
  return {
    a: a.id,
    b: b.id,
    params: diffJson(a.resolvedSpec, b.resolvedSpec),
    stages: changes,
    onlyInA: [...stagesA.keys()].filter((id) => !stagesB.has(id)),
    onlyInB: [...stagesB.keys()].filter((id) => !stagesA.has(id)),
    metrics,
  };
}

/** Why two keys of the same stage differ: the stage's own change, else the first upstream input's reason. */
function keyReason(keyA: string, keyB: string, a: RunView, b: RunView, depth = 0): string {
  const pa = a.keyParts.get(keyA);
  const pb = b.keyParts.get(keyB);
  if (!pa || !pb) return 'no record of how one of the keys was made';
  if (pa.type !== pb.type) return `stage type ${pa.type} → ${pb.type}`;
  if (pa.version !== pb.version) return `stage version ${pa.version} → ${pb.version}`;
  const params = diffJson(pa.params, pb.params);
  if (params.length) return params.map((p) => `param ${p.path}: ${show(p.a)} → ${show(p.b)}`).join(', ');
  if (pa.seed !== pb.seed) return `seed ${pa.seed} → ${pb.seed}`;
  for (let i = 0; i < Math.max(pa.inputs.length, pb.inputs.length); i++) {
    const ia = pa.inputs[i];
    const ib = pb.inputs[i];
    if (ia === ib) continue;
    if (ia === undefined || ib === undefined || depth > 32) return 'inputs differ';
    const upstream = a.stages.find((s) => s.key === ia)?.instanceId ?? ia.slice(0, 10);
    return `input ${upstream} changed (${keyReason(ia, ib, a, b, depth + 1)})`;
  }
  return 'key inputs are identical; the keys were made by different pipe versions';
}

export function diffJson(a: Json | undefined, b: Json | undefined, path = ''): ParamChange[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffJson(a[k], b[k], path ? `${path}.${k}` : k));
  }
  if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) return [];
  return [{ path: path || '(root)', a, b }];
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: Json | undefined): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}
