// `pipe dag`: the plan as text.

import { describe, expect, it } from 'vitest';
import { formatDag } from '../../../src/pipeline-spec/format-dag.js';
import { DATA, EVALUATE_AND_COMPARE, plan } from './spec-fixture.js';

describe('formatDag', () => {
  it('prints a header per cell and one line per instance, indented by depth, with its needs and cells', () => {
    const p = plan(DATA + EVALUATE_AND_COMPARE + 'matrix:\n  train.model: [nn, cnn]\n');
    const lines = formatDag(p).split('\n');
    expect(lines[0]).toBe('t (spec.yaml): 9 stage instances, 2 cells');
    expect(lines[1]).toBe('  cell c1 (seed 1): train.model=nn');
    expect(lines[2]).toBe('  cell c2 (seed 1): train.model=cnn');
    const key = (id: string) => p.instances.find((i) => i.id === id)!.key.slice(0, 10);
    expect(lines).toContain(`ingest (ingest ${key('ingest')})  [all cells]`);
    expect(lines).toContain(`        train[train.model=cnn] (train ${key('train[train.model=cnn]')})  <- chunk  [c2]`);
    expect(lines.at(-1)).toMatch(/^ {12}compare \(compare \w{10}\) {2}<- evaluate\[train\.model=nn\], evaluate\[train\.model=cnn\] {2}\[all cells\]$/);
  });

  it('a single-cell plan prints no cell list', () => {
    const lines = formatDag(plan(DATA)).split('\n');
    expect(lines[0]).toBe('t (spec.yaml): 5 stage instances, 1 cell');
    expect(lines[1]).toBe('');
    expect(lines[2]).toMatch(/^ingest \(ingest \w{10}\)$/);
  });
});
