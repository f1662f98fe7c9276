import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildResults } from '../../../src/metrics/results-table.js';
import type { EvaluatedCell } from '../../../src/metrics/results-types.js';
import { collectReport } from '../../../src/ui/report-data.js';
import { renderLegend, renderMarkdown } from '../../../src/render/results-markdown.js';
import { renderReportPage } from '../../../src/ui/report-page.js';
import { compareFlags } from '../../../src/ui/show-flags.js';
import type { ShownStage } from '../../../src/ui/show-pictures.js';
import { writeReportFixture } from './report-fixture.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pipe-flags-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

// 10 test files, 6 anger and 4 neutral.
const AT_MAJORITY = [[4, 2], [2, 2]]; // 6 right: the majority rate; answers anger 6 times
const ANGER_ONLY = [[6, 0], [4, 0]]; // 6 right, all answered anger
const ALL_RIGHT = [[6, 0], [0, 4]];

function evaluated(model: string, seed: number, confusion: number[][], kept: { train?: number; val?: number } = {}): EvaluatedCell {
  const right = confusion[0][0] + confusion[1][1];
  return {
    cell: { id: `${model}-${seed}`, values: { 'train.model': model, seed }, seed },
    accuracy: right / 10,
    ua: 0.5,
    macroF1: 0.5,
    confusion,
    valAccuracy: kept.val ?? null,
    trainAccuracy: kept.train ?? null,
  };
}

/** A run with one compare stage whose results.json is `json` (a failed one is listed but has no artifact). */
function run(json: unknown): { stages: ShownStage[]; lookup: (key: string) => { type: string; artifactPath: string } | undefined } {
  const dir = join(root, 'compare');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(json));
  const stages = [
    { instanceId: 'compare', stageName: 'compare', key: 'k-compare', status: 'ran' },
    { instanceId: 'compare_ua', stageName: 'compare', key: 'k-failed', status: 'failed' },
  ];
  return { stages, lookup: (key) => (key === 'k-compare' ? { type: 'compare', artifactPath: dir } : undefined) };
}

describe('compareFlags (pipe show)', () => {
  it('says which seeds of which row carry which flag, and for how many rows overfit could not be judged', () => {
    const table = buildResults(
      [
        evaluated('nn', 1, AT_MAJORITY, { train: 0.7, val: 0.6 }),
        evaluated('nn', 2, ANGER_ONLY, { train: 0.7, val: 0.6 }),
        evaluated('cnn', 1, ALL_RIGHT, { train: 1, val: 0.5 }),
        evaluated('cnn', 2, ALL_RIGHT, { train: 0.9, val: 0.8 }),
        evaluated('lstm', 1, ALL_RIGHT, { val: 0.8 }),
      ],
      { metric: 'accuracy', reference: 'none' },
    );
    const { stages, lookup } = run(table);
    expect(compareFlags(stages, lookup).split('\n')).toEqual([
      'compare: flags (legend under results.md)',
      '  train.model=nn: did not learn (seeds 1, 2; majority 60.00%); collapsed: seed 2',
      '  train.model=cnn: overfit: seed 1',
      '  overfit not judged for 1 of 3 rows: their evaluations hold no training or validation accuracy',
    ]);
  });

  it('says so when no row is flagged, and shows nothing for results.json written before compare had flags', () => {
    const table = buildResults([evaluated('cnn', 1, ALL_RIGHT, { train: 0.9, val: 0.8 })], { metric: 'accuracy', reference: 'none' });
    const flagless = run(table);
    expect(compareFlags(flagless.stages, flagless.lookup)).toBe('compare: no row flagged');
    const older = run({ ...table, rows: table.rows.map(({ flags: _, ...row }) => row) });
    expect(compareFlags(older.stages, older.lookup)).toBe('');
  });

  it('names the rows of speaker-normalised features and what that protocol reads, flagged or not', () => {
    const normalised = { ...evaluated('cnn', 1, ALL_RIGHT, { train: 0.9, val: 0.8 }), protocolVariant: 'speaker-normalised' };
    const table = buildResults([evaluated('nn', 1, ALL_RIGHT, { train: 0.9, val: 0.8 }), normalised], { metric: 'accuracy', reference: 'none' });
    const { stages, lookup } = run(table);
    expect(compareFlags(stages, lookup).split('\n')).toEqual([
      'compare: no row flagged',
      "  train.model=cnn (speaker-normalised): speaker-normalised: features standardised per speaker over all of that speaker's audio (features normalize: speaker), so it uses the test speakers' unlabelled audio; not the protocol of rows without it.",
    ]);
  });
});

describe('compare flags in pipe report', () => {
  it('labels speaker-normalised rows on the report page: table, legend and chart', async () => {
    const source = writeReportFixture(root);
    const cell = { ...evaluated('cnn', 1, ALL_RIGHT, { train: 0.9, val: 0.8 }), protocol: 'speaker-independent', protocolVariant: 'speaker-normalised' };
    const table = buildResults([cell], { metric: 'accuracy', reference: 'none' });
    const dir = join(root, 'artifacts', 'key-compare');
    writeFileSync(join(dir, 'results.md'), renderMarkdown(table) + '\n' + renderLegend(table));
    writeFileSync(join(dir, 'results.json'), JSON.stringify(table));
    const html = renderReportPage(await collectReport(source, 'run-1'));
    expect(html).toContain('speaker-independent · speaker-normalised');
    expect(html).toMatch(/Protocol speaker-normalised: features standardised per speaker .* so it uses the test speakers(&#39;|')/);
    // the chart's bar keeps the variant in its short name
    expect(html).toMatch(/>cnn (\S+ )?\(speaker-normalised\)<\/text>/);
  });

  it('shows the flags column and the flags legend under compare’s table', async () => {
    const html = renderReportPage(await collectReport(writeReportFixture(root), 'run-1'));
    expect(html).toMatch(/<th class="num">Δ<\/th><th>flags<\/th><\/tr>/);
    expect(html).toContain('<p>Flags: did not learn = mean test accuracy not above the upper end of the Wilson 95% interval');
    expect(html).toContain('overfit = training minus validation accuracy at the kept epoch above 30 points');
  });
});
