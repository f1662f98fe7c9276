// `pipe dag`: the plan as text, one line per stage instance with what it needs and which cells it serves.

import type { Plan } from './plan-types.js';

export function formatDag(plan: Plan): string {
  const lines = [`${plan.name} (${plan.specPath}): ${plan.instances.length} stage instances, ${plan.cells.length} cell(s)`];
  if (plan.cells.length > 1) {
    for (const c of plan.cells) lines.push(`  cell ${c.id}: ${Object.entries(c.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
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
