// Ensemble over models: averages the per-file class probabilities of several evaluate stages of the same cell
// (`needs: [evaluate_a, evaluate_b, ...]`, same split, same files, same classes), optionally weighted, and scores the
// average as evaluate does. Writes metrics.json and predictions.json in evaluate's format, so compare reads it.
// Validation: when the members' evaluate stages on `split: val` are also among the needs (in the same member order),
// their averaged validation probabilities give the ensemble's validation scores; otherwise these are absent (null),
// never taken from the scored split.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError } from '../errors.js';
import { isRecord, type JsonObject } from '../json.js';
import { argmax } from '../metrics/classification.js';
import { classSetName } from '../references/reference-results.js';
import { evaluatePredictions, writePredictions, type FileProbabilities } from './evaluate.js';
import { defineStage, readInputJson, type StageContext, type StageInput, type StageResult } from './stage.js';

export interface EnsembleParams {
  /** One weight per scored member, in needs order; absent: equal weights. Normalised to sum 1. */
  weights?: number[];
}

/** What the ensemble reads of one evaluate artifact. */
export interface MemberEvaluation {
  /** The evaluate stage's name in the spec. */
  name: string;
  split: string;
  model: string | null;
  protocol: string | null;
  /** `speaker-normalised` where the member's features were standardised per speaker (evaluate.ts); else null. */
  protocolVariant: string | null;
  testSpeakers: string[];
  backend: string;
  classes: string[];
  files: FileProbabilities[];
}

/**
 * The weighted mean of the members' probabilities per file, in the first member's file order. Refuses members whose
 * classes or files (utterances and labels) differ, naming the member and what differs.
 */
export function averageProbabilities(members: readonly MemberEvaluation[], weights?: readonly number[]): FileProbabilities[] {
  const [first, ...rest] = members;
  const w = normalisedWeights(members.length, weights);
  const byMember = members.map((m) => new Map(m.files.map((f) => [f.utterance, f])));
  for (const [i, m] of rest.entries()) {
    if (m.classes.join(',') !== first.classes.join(',')) {
      throw new StageError(`${m.name} scores classes [${m.classes.join(', ')}], ${first.name} [${first.classes.join(', ')}]`, {}, 'ensemble members must be trained on the same class set');
    }
    const own = byMember[i + 1];
    const missing = first.files.filter((f) => !own.has(f.utterance)).map((f) => f.utterance);
    const extra = m.files.filter((f) => !byMember[0].has(f.utterance)).map((f) => f.utterance);
    if (missing.length || extra.length || own.size !== m.files.length) {
      const which = [missing.length ? `lacks ${missing.length} of ${first.name}'s files (${missing.slice(0, 3).join(', ')})` : '', extra.length ? `has ${extra.length} files ${first.name} lacks (${extra.slice(0, 3).join(', ')})` : '']
        .filter(Boolean)
        .join(' and ');
      throw new StageError(`${m.name} ${which || 'repeats a file'}`, {}, 'ensemble members must score the same split of the same data (one cell, one split)');
    }
    const relabelled = first.files.find((f) => own.get(f.utterance)!.label !== f.label);
    if (relabelled) throw new StageError(`${m.name} labels ${relabelled.utterance} ${own.get(relabelled.utterance)!.label}, ${first.name} ${relabelled.label}`, {}, 'ensemble members must score the same data');
  }
  return first.files.map((f) => ({
    ...f,
    probs: f.probs.map((_, k) => byMember.reduce((sum, files, j) => sum + w[j] * files.get(f.utterance)!.probs[k], 0)),
  }));
}

function normalisedWeights(count: number, weights?: readonly number[]): number[] {
  if (!weights) return Array.from({ length: count }, () => 1 / count);
  if (weights.length !== count) throw new StageError(`weights has ${weights.length} entries for ${count} members`, {}, 'give one weight per scored evaluate stage, in needs order');
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new StageError('weights sum to 0', {}, 'give at least one member a positive weight');
  return weights.map((x) => x / total);
}

/** Mean cross-entropy and accuracy of per-file probabilities. */
function scoreFiles(files: readonly FileProbabilities[]): { accuracy: number; loss: number } {
  const correct = files.filter((f) => argmax(f.probs) === f.label).length;
  const loss = files.reduce((a, f) => a - Math.log(Math.max(f.probs[f.label], 1e-7)), 0);
  return { accuracy: correct / files.length, loss: loss / files.length };
}

export async function runEnsemble(ctx: StageContext<EnsembleParams>): Promise<StageResult> {
  const evaluations = ctx.inputs.filter((i) => i.type === 'evaluate');
  if (evaluations.length === 0) throw new StageError('has no evaluate inputs', { stage: ctx.name }, 'give ensemble `needs: [evaluate_a, evaluate_b]`');
  const all = await Promise.all(evaluations.map(readMember));
  // The scored split is test where any member scores it; the members on val (if any) give the validation scores.
  const split = all.some((m) => m.split === 'test') ? 'test' : all[0].split;
  const scored = all.filter((m) => m.split === split);
  const onVal = split === 'val' ? [] : all.filter((m) => m.split === 'val');
  const other = all.find((m) => m.split !== split && m.split !== 'val');
  if (other) throw new StageError(`${other.name} scores the ${other.split} split, the others ${split}`, { stage: ctx.name }, 'ensemble members must score the same split');
  if (scored.length < 2) throw new StageError(`needs at least two evaluate stages on the ${split} split, found ${scored.length}`, { stage: ctx.name });
  const place = { stage: ctx.name };
  const files = withPlace(place, () => averageProbabilities(scored, ctx.params.weights));
  const report = evaluatePredictions(scored[0].classes, files);
  const validation = onVal.length ? withPlace(place, () => validationScores(scored, onVal, ctx.params.weights)) : { accuracy: null, loss: null };
  const protocols = new Set(scored.map((m) => m.protocol));
  if (protocols.size > 1) throw new StageError(`members differ in protocol: ${[...protocols].join(', ')}`, place, 'ensemble members must score the same split of the same data');
  const model = scored.map((m) => m.model ?? m.name).join('+');
  const classSet = classSetName(report.classes);
  const members = scored.map((m) => ({ stage: m.name, model: m.model }));
  const { predictions, ...scores } = report;
  const metrics: JsonObject = {
    kind: 'evaluation',
    split,
    model,
    classSet,
    backend: scored[0].backend,
    protocol: scored[0].protocol,
    // One member that read the test speakers' audio makes the average read it too.
    ...variantOf(scored),
    testSpeakers: scored[0].testSpeakers,
    validation,
    training: { epoch: null, accuracy: null },
    members,
    ...(ctx.params.weights ? { weights: ctx.params.weights } : {}),
    ...(scores as unknown as JsonObject),
  };
  await writeFile(join(ctx.outDir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  await writePredictions(join(ctx.outDir, 'predictions.json'), { kind: 'predictions', split, classes: report.classes }, predictions);
  const { confusionMatrixSvg } = await import('../charts/confusion-matrix.js');
  await writeFile(join(ctx.outDir, 'confusion.svg'), await confusionMatrixSvg(report.classes, report.confusion.matrix, `${model} · ${classSet} · ${split}`));
  return {
    metrics: { accuracy: report.accuracy, ua: report.ua, macroF1: report.macroF1, files: report.files, members: scored.length },
    info: { model, classSet, split, protocol: scored[0].protocol, ...variantOf(scored), members, validation },
  };
}

/** `{ protocolVariant }` of the first member that has one, or nothing (so other metrics.json stay as they were). */
function variantOf(members: readonly MemberEvaluation[]): { protocolVariant?: string } {
  const variant = members.map((m) => m.protocolVariant).find((v): v is string => v !== null);
  return variant === undefined ? {} : { protocolVariant: variant };
}

/** The averaged validation probabilities' scores; the val members pair with the scored ones in needs order. */
function validationScores(scored: readonly MemberEvaluation[], onVal: readonly MemberEvaluation[], weights?: readonly number[]): { accuracy: number; loss: number } {
  const models = (ms: readonly MemberEvaluation[]) => ms.map((m) => m.model).join(', ');
  if (onVal.length !== scored.length || models(onVal) !== models(scored)) {
    throw new StageError(
      `the members on val (${onVal.map((m) => m.name).join(', ')}: ${models(onVal)}) do not pair with those on ${scored[0].split} (${scored.map((m) => m.name).join(', ')}: ${models(scored)})`,
      {},
      'list the val evaluate stages in the same member order as the scored ones, one per member, or none',
    );
  }
  return scoreFiles(averageProbabilities(onVal, weights));
}

function withPlace<T>(place: { stage: string }, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof StageError && !err.place?.stage) throw new StageError(err.message, place, err.hint);
    throw err;
  }
}

async function readMember(input: StageInput): Promise<MemberEvaluation> {
  const metrics = await readInputJson(join(input.dir, 'metrics.json'), 'ensemble needs evaluate stages');
  const predictions = await readInputJson(join(input.dir, 'predictions.json'), 'ensemble needs evaluate stages');
  const { classes, files } = predictions;
  const isFile = (f: unknown): boolean =>
    isRecord(f) && typeof f.utterance === 'string' && Number.isInteger(f.label) && Array.isArray(f.probs) && f.probs.every((p) => typeof p === 'number');
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string') || !Array.isArray(files) || !files.every(isFile)) {
    throw new StageError('expected {classes, files: [{utterance, label, probs}]}', { file: join(input.dir, 'predictions.json') }, 'the artifact is damaged; re-run evaluate with --force');
  }
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    name: input.name,
    split: text(metrics.split) ?? text(predictions.split) ?? 'test',
    model: text(metrics.model),
    protocol: text(metrics.protocol),
    protocolVariant: text(metrics.protocolVariant),
    testSpeakers: Array.isArray(metrics.testSpeakers) ? metrics.testSpeakers.filter((s): s is string => typeof s === 'string') : [],
    backend: text(metrics.backend) ?? 'unknown',
    classes: classes as string[],
    files: (files as Record<string, unknown>[]).map((f) => ({ utterance: f.utterance as string, speaker: String(f.speaker ?? ''), label: f.label as number, probs: f.probs as number[] })),
  };
}



export const ensembleStage = defineStage<EnsembleParams>({
  type: 'ensemble',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      weights: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, description: 'one weight per scored evaluate stage, in needs order (default: equal)' },
    },
  },
  run: runEnsemble,
});
