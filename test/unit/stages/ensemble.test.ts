// The ensemble stage on hand-written evaluate artifacts: averaged (and weighted) probabilities, the scores of the
// average, validation from the members' val predictions only, refusals naming the member, and compare reading it.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StageError } from '../../../src/errors.js';
import { compareStage } from '../../../src/stages/compare.js';
import { ensembleStage } from '../../../src/stages/ensemble.js';
import { makeStageContext, tempDir } from '../../helpers/stage-context.js';

const CLASSES = ['anger', 'neutral'];

interface Member {
  name: string;
  model: string;
  split?: string;
  classes?: string[];
  files: [utterance: string, label: number, probs: number[]][];
}

/** An evaluate artifact: metrics.json (model, split, protocol) and predictions.json with the given probabilities. */
function evaluateArtifact(m: Member): string {
  const dir = join(tempDir(), m.name);
  mkdirSync(dir);
  const split = m.split ?? 'test';
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ kind: 'evaluation', split, model: m.model, protocol: 'random', testSpeakers: ['03'], backend: 'wasm', accuracy: 0, ua: 0, macroF1: 0 }));
  const files = m.files.map(([utterance, label, probs]) => ({ utterance, speaker: '03', label, predicted: probs.indexOf(Math.max(...probs)), probs }));
  writeFileSync(join(dir, 'predictions.json'), JSON.stringify({ kind: 'predictions', split, classes: m.classes ?? CLASSES, files }));
  return dir;
}

// A alone: 2 of 4 right (f2, f4 wrong); B alone: 3 of 4 (f3 wrong); B lists the files in another order.
const A: Member = { name: 'evaluate_a', model: 'cnn', files: [['f1', 0, [0.9, 0.1]], ['f2', 0, [0.4, 0.6]], ['f3', 1, [0.3, 0.7]], ['f4', 1, [0.6, 0.4]]] };
const B: Member = { name: 'evaluate_b', model: 'logreg', files: [['f4', 1, [0.2, 0.8]], ['f3', 1, [0.6, 0.4]], ['f2', 0, [0.8, 0.2]], ['f1', 0, [0.7, 0.3]]] };
const A_VAL: Member = { name: 'evaluate_a_val', model: 'cnn', split: 'val', files: [['v1', 0, [0.2, 0.8]], ['v2', 1, [0.6, 0.4]]] };
const B_VAL: Member = { name: 'evaluate_b_val', model: 'logreg', split: 'val', files: [['v1', 0, [0.9, 0.1]], ['v2', 1, [0.1, 0.9]]] };

function context(members: Member[], params: object = {}) {
  const ctx = makeStageContext(ensembleStage, params, { inputs: members.map(evaluateArtifact), name: 'ensemble' });
  ctx.inputs.forEach((input, i) => Object.assign(input, { type: 'evaluate', name: members[i].name }));
  return ctx;
}

const read = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
type PredictionsJson = { split: string; classes: string[]; files: { utterance: string; label: number; predicted: number; probs: number[] }[] };

describe('ensemble stage', () => {
  it('averages the members’ probabilities per file (in the first member’s order) and scores the average', async () => {
    const ctx = context([A, B]);
    const result = await ensembleStage.run(ctx);
    const predictions = read(ctx.outDir, 'predictions.json') as unknown as PredictionsJson;
    expect(predictions.split).toBe('test');
    expect(predictions.files.map((f) => f.utterance)).toEqual(['f1', 'f2', 'f3', 'f4']);
    const expected = [[0.8, 0.2], [0.6, 0.4], [0.45, 0.55], [0.4, 0.6]];
    predictions.files.forEach((f, i) => f.probs.forEach((p, k) => expect(p).toBeCloseTo(expected[i][k], 12)));
    expect(predictions.files.map((f) => f.predicted)).toEqual([0, 0, 1, 1]);
    expect(result.metrics).toMatchObject({ accuracy: 1, ua: 1, files: 4, members: 2 });
    const metrics = read(ctx.outDir, 'metrics.json');
    expect(metrics).toMatchObject({ kind: 'evaluation', split: 'test', model: 'cnn+logreg', protocol: 'random', accuracy: 1, members: [{ stage: 'evaluate_a', model: 'cnn' }, { stage: 'evaluate_b', model: 'logreg' }] });
    // No member scored val: the ensemble's validation is absent, not taken from test.
    expect(metrics.validation).toEqual({ accuracy: null, loss: null });
  });

  it('weights: [1, 3] averages 1/4 of A with 3/4 of B (f3 then goes wrong: 3 of 4)', async () => {
    const ctx = context([A, B], { weights: [1, 3] });
    const result = await ensembleStage.run(ctx);
    const predictions = read(ctx.outDir, 'predictions.json') as unknown as PredictionsJson;
    expect(predictions.files[2].probs[0]).toBeCloseTo(0.25 * 0.3 + 0.75 * 0.6, 12);
    expect(result.metrics).toMatchObject({ accuracy: 0.75 });
  });

  it("the members' val predictions, averaged, give the ensemble's validation scores", async () => {
    const ctx = context([A, B, A_VAL, B_VAL]);
    await ensembleStage.run(ctx);
    const metrics = read(ctx.outDir, 'metrics.json');
    // v1: [0.55, 0.45] right; v2: [0.35, 0.65] right.
    expect(metrics.split).toBe('test');
    expect(metrics.files).toBe(4);
    expect((metrics.validation as { accuracy: number }).accuracy).toBe(1);
    expect((metrics.validation as { loss: number }).loss).toBeCloseTo(-(Math.log(0.55) + Math.log(0.65)) / 2, 12);
  });

  it.each([
    ['classes differ', { ...B, classes: ['neutral', 'anger'] }, /evaluate_b scores classes \[neutral, anger\], evaluate_a \[anger, neutral\]/],
    ['a file is missing', { ...B, files: B.files.slice(1) }, /evaluate_b lacks 1 of evaluate_a's files \(f4\)/],
    ['an extra file', { ...B, files: [...B.files, ['f5', 0, [0.5, 0.5]]] }, /evaluate_b has 1 files evaluate_a lacks \(f5\)/],
    ['a label differs', { ...B, files: B.files.map(([u, l, p]) => [u, u === 'f2' ? 1 : l, p]) }, /evaluate_b labels f2 1, evaluate_a 0/],
    ['another split', { ...B, split: 'train' }, /evaluate_b scores the train split, the others test/],
  ] as [string, Member, RegExp][])('refuses members whose %s, naming the member', async (_, b, message) => {
    const failure = ensembleStage.run(context([A, b]));
    await expect(failure).rejects.toBeInstanceOf(StageError);
    await expect(failure).rejects.toThrow(message);
  });

  it('refuses val members that do not pair with the scored ones, and a single member', async () => {
    await expect(ensembleStage.run(context([A, B, B_VAL, A_VAL]))).rejects.toThrow(/do not pair/);
    await expect(ensembleStage.run(context([A, B, A_VAL]))).rejects.toThrow(/do not pair/);
    await expect(ensembleStage.run(context([A]))).rejects.toThrow(/at least two evaluate stages on the test split, found 1/);
  });

  it('compare reads an ensemble artifact as a row of its own', async () => {
    const ensemble = context([A, B]);
    await ensembleStage.run(ensemble);
    const ctx = makeStageContext(compareStage, {}, { inputs: [ensemble.outDir] });
    ctx.inputs[0].type = 'ensemble';
    const result = await compareStage.run(ctx);
    expect(result.metrics).toMatchObject({ rows: 1, cells: 1 });
    const table = JSON.parse(readFileSync(join(ctx.outDir, 'results.json'), 'utf8')) as { rows: { model: string; accuracy: { mean: number } }[] };
    expect(table.rows[0].model).toBe('cnn+logreg');
    expect(table.rows[0].accuracy.mean).toBe(100);
  });

  it('compare gives each stage of one cell its own row (a stage column), not one row as if they were seeds', async () => {
    const ensemble = context([A, B]);
    await ensembleStage.run(ensemble);
    const ctx = makeStageContext(compareStage, {}, { inputs: [...ensemble.inputs.map((i) => i.dir), ensemble.outDir] });
    ctx.inputs.forEach((input, i) => Object.assign(input, i < 2 ? { type: 'evaluate', name: [A.name, B.name][i] } : { type: 'ensemble', name: 'ensemble' }));
    await compareStage.run(ctx);
    const table = JSON.parse(readFileSync(join(ctx.outDir, 'results.json'), 'utf8')) as { keys: string[]; rows: { values: { stage: string }; model: string; seeds: number[] }[] };
    expect(table.keys).toContain('stage');
    expect(table.rows.map((r) => [r.values.stage, r.model, r.seeds.length])).toEqual([
      ['evaluate_a', 'cnn', 1],
      ['evaluate_b', 'logreg', 1],
      ['ensemble', 'cnn+logreg', 1],
    ]);
  });
});
