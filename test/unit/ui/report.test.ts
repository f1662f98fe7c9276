import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCompareChart, readConfusion, readHistory } from '../../../src/ui/artifact-files.js';
import { collectReport } from '../../../src/ui/report-data.js';
import { markdownBlock, renderReportPage } from '../../../src/ui/report-page.js';
import { writeReportFixture } from './report-fixture.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pipe-report-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The inline <svg>…</svg> elements of a page. */
const svgsOf = (html: string): string[] => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];

describe('pipe report page', () => {
  it('inlines a confusion matrix per evaluation, learning curves per training and the compare chart', async () => {
    const html = renderReportPage(await collectReport(writeReportFixture(root), 'run-1'));
    const svgs = svgsOf(html);
    expect(svgs).toHaveLength(5);
    for (const svg of svgs) expect(XMLValidator.validate(svg)).toBe(true);
    expect(html).toContain('<h2>Confusion matrices</h2>');
    expect(html).toContain('<h2>Learning curves</h2>');
    expect(html).toContain('<h2>Compared: compare</h2>');
    for (const label of ['anger', 'sadness', 'Predicted', 'Epoch', 'Accuracy', 'paper', 'cnn_lstm four']) expect(html).toContain(`>${label}</text>`);
  });

  it('fetches nothing: no URL, script, stylesheet link or external source', async () => {
    const html = renderReportPage(await collectReport(writeReportFixture(root), 'run-1'));
    expect(html).not.toMatch(/https?:/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|@import/i);
    // url() only to gradients and clips inside the page.
    expect(html).not.toMatch(/url\(\s*['"]?[^#'"\s]/);
  });

  it('gives every id on the page once, though each SVG numbers its gradients from 0', async () => {
    const source = writeReportFixture(root);
    const data = await collectReport(source, 'run-1');
    // As if both confusion matrices had been drawn in separate processes: identical ids.
    data.evaluations = [data.evaluations[0], { ...data.evaluations[0], instanceId: 'copy' }];
    const html = renderReportPage(data);
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, ref] of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref);
  });

  it('shows the run header, every stage with its status and escaped error, and the metrics as percentages', async () => {
    const html = renderReportPage(await collectReport(writeReportFixture(root), 'run-1'));
    expect(html).toContain('<title>pipe run run-1 (fixture)</title>');
    expect(html).toContain('<code>experiments/four.yaml</code>');
    expect(html).toContain('<code>split.test=0.2</code>');
    expect(html).toContain('<td class="status failed">failed</td>');
    expect(html).toContain('Error: &lt;boom&gt; &amp; more');
    expect(html).toMatch(/<code>evaluate\[train\.model=nn\]<\/code><\/td><td class="num">70\.00%<\/td>/);
    // compare's markdown table, with the paper's value for cnn_lstm on four emotions.
    expect(html).toMatch(/<td>cnn_lstm<\/td>.*<td class="num">83\.00<\/td>/);
  });

  it('uses the SVG an artifact already holds instead of drawing it again', async () => {
    const source = writeReportFixture(root);
    const dir = source.getStageResult('key-eval-nn')!.artifactPath;
    writeFileSync(join(dir, 'confusion.svg'), '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>from the artifact</text></svg>');
    const html = renderReportPage(await collectReport(source, 'run-1'));
    expect(html).toContain('<svg><text>from the artifact</text></svg>');
    expect(html).not.toContain('<?xml');
  });

  it('notes an artifact that is gone instead of failing', async () => {
    const source = writeReportFixture(root);
    rmSync(source.getStageResult('key-train-nn')!.artifactPath, { recursive: true });
    const data = await collectReport(source, 'run-1');
    expect(data.trainings.map((t) => t.instanceId)).toEqual(['train[train.model=cnn_lstm]']);
    expect(data.notes).toEqual([expect.stringContaining('train[train.model=nn]: no training history')]);
    expect(renderReportPage(data)).toContain('<h2>Not shown</h2>');
  });
});

describe('reading artifact files', () => {
  it('finds the confusion matrix and classes in evaluate metrics.json, and rejects a mismatched one', () => {
    expect(readConfusion({ confusion: { classes: ['a', 'b'], matrix: [[1, 0], [0, 1]] } })).toEqual({ classes: ['a', 'b'], matrix: [[1, 0], [0, 1]] });
    expect(readConfusion({ classes: ['a', 'b'], confusion: [[1, 2], [3, 4]] })?.matrix).toEqual([[1, 2], [3, 4]]);
    expect(readConfusion({ classes: ['a'], confusion: [[1, 2], [3, 4]] })).toBeUndefined();
    expect(readConfusion(undefined)).toBeUndefined();
  });

  it('reads a training history as an array or wrapped, with Keras-style names', () => {
    expect(readHistory({ history: [{ epoch: 3, loss: 1, acc: 0.5, val_loss: 2, val_acc: 0.4 }] })).toEqual([
      { epoch: 3, loss: 1, accuracy: 0.5, valLoss: 2, valAccuracy: 0.4 },
    ]);
    expect(readHistory([{ loss: 1, accuracy: 0.5, valLoss: 2, valAccuracy: 0.4 }])?.[0].epoch).toBe(1);
    expect(readHistory('nonsense')).toBeUndefined();
  });

  it('turns compare results.json percentages into fractions for the bar chart', () => {
    const chart = readCompareChart({
      metric: 'accuracy',
      unit: 'percent',
      rows: [{ label: 'nn', accuracy: { mean: 61, std: 2, n: 3 }, reference: 53.3 }, { label: 'cnn', accuracy: { mean: 50, std: null }, reference: null }],
    });
    expect(chart?.metric).toBe('accuracy');
    expect(chart?.rows[0]).toEqual({ label: 'nn', value: 0.61, std: 0.02, reference: expect.closeTo(0.533, 9) });
    expect(chart?.rows[1]).toEqual({ label: 'cnn', value: 0.5 });
  });

  it('labels the report chart as compare does: short names, and the reference by its name', () => {
    const row = (label: string, protocol: string) => ({ label, model: 'logreg', classSet: 'four', protocol, ua: { mean: 80, std: 1 }, reference: 76.8 });
    const chart = readCompareChart({
      metric: 'ua',
      unit: 'percent',
      reference: 'classical-logmel',
      rows: [row('ingest.classes=four split.folds=loso features.normalize=train', 'LOSO (10 folds)'), row('ingest.classes=four split.folds=none features.normalize=train', 'random')],
    });
    expect(chart?.rows.map((r) => r.label)).toEqual(['logreg four LOSO (10 folds)', 'logreg four random']);
    expect(chart?.referenceLabel).toBe('classical reference');
  });

  it('renders a markdown pipe table as an HTML table, right-aligning the columns marked so', () => {
    const html = markdownBlock('| model | acc % |\n| --- | ---: |\n| nn | 61.00 |\n');
    expect(html).toBe('<table><thead><tr><th>model</th><th class="num">acc %</th></tr></thead><tbody><tr><td>nn</td><td class="num">61.00</td></tr></tbody></table>');
    expect(markdownBlock('no table <here>')).toBe('<pre>no table &lt;here&gt;</pre>');
  });

  it('keeps a note under the table (compare\'s legend) as a paragraph, the table still a table', () => {
    const html = markdownBlock('| model | acc % |\n| --- | ---: |\n| nn * | 61.00 |\n\n* best on validation\n');
    expect(html).toBe('<table><thead><tr><th>model</th><th class="num">acc %</th></tr></thead><tbody><tr><td>nn *</td><td class="num">61.00</td></tr></tbody></table><p>* best on validation</p>');
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('report screenshot', () => {
  it('renders in headless Chromium without network access', async () => {
    // Kept in a fixed place so that a person can look at it: docs/ui.md says where.
    const dir = join(tmpdir(), 'pipe-report-fixture');
    rmSync(dir, { recursive: true, force: true });
    const html = renderReportPage(await collectReport(writeReportFixture(dir), 'run-1'));
    writeFileSync(join(dir, 'report.html'), html);
    const png = join(dir, 'report.png');
    // Awaited, not execFileSync: a blocked fork cannot answer vitest's RPC (vitest-dev/vitest#8164).
    await promisify(execFile)(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', `--screenshot=${png}`, '--window-size=1200,1600', '--no-first-run', '--disable-background-networking', `file://${join(dir, 'report.html')}`],
      { timeout: 60_000 },
    );
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(20_000);
  });
});
