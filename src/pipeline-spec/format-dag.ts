// `pipe dag`: the plan as text, one line per stage instance with what it needs and which cells it serves.

import type { Json } from '../json.js';
import type { Plan } from './plan-types.js';

export function formatDag(plan: Plan): string {
  const cellCount = `${plan.cells.length} cell${plan.cells.length === 1 ? '' : 's'}`;
  const lines = [`${plan.name} (${plan.specPath}): ${plan.instances.length} stage instances, ${cellCount}`];
  if (plan.cells.length > 1) {
    for (const c of plan.cells) lines.push(`  cell ${c.id} (seed ${c.seed}): ${Object.entries(c.values).map(([k, v]) => `${k}=${showValue(v)}`).join(' ')}`);
  }
  lines.push('');
  const depth = new Map<string, number>();
  for (const inst of plan.instances) {
    const d = inst.needs.length ? Math.max(...inst.needs.map((n) => depth.get(n) ?? 0)) + 1 : 0;
    depth.set(inst.id, d);
    const needs = inst.needs.length ? `  <- ${inst.needs.join(', ')}` : '';
    const shared = plan.cells.length > 1 ? `  [${inst.cells.length === plan.cells.length ? 'all cells' : inst.cells.join(' ')}]` : '';
    lines.push(`${'  '.repeat(d)}${inst.id} (${inst.type} ${inst.key.slice(0, 10)})${needs}${shared}`);
  }
  return lines.join('\n');
}

/** Strings as written (`train.model=cnn`), anything else as JSON. */
function showValue(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
