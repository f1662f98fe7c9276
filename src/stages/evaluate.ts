// Evaluate: per-file predictions on the test split; accuracy, UA, macro-F1, per-class recall, confusion matrix;
// the protocol (were the tested speakers unseen?) and the model's validation scores, on which compare selects, with
// the training accuracy of the same kept epoch, from which compare flags overfitting.
// Writes metrics.json (read by compare) and predictions.json (per file: paired tests, pooling of LOSO folds).

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHUNK_MANIFEST } from '../dataset/chunk-files.js';
import { readProtocolVariant } from '../dataset/feature-scaling.js';
import { StageError } from '../errors.js';
import { isRecord, type JsonObject } from '../json.js';
import { argmax, classify, type ClassScores } from '../metrics/classification.js';
import { classSetName } from '../references/reference-results.js';
import { defineStage, EXAMPLE_TYPES, inputOfTypes, type StageContext, type StageInput, type StageResult } from './stage.js';

export type EvaluateSplit = 'test' | 'val' | 'train';

export interface EvaluateParams {
  split: EvaluateSplit;
}

/** One file's class probabilities, as `predictFiles` in src/models/predict.ts returns them. */
export interface FileProbabilities {
  utterance: string;
  speaker: string;
  /** True label index into `classes`. */
  label: number;
  probs: number[];
}

export interface Predictions {
  classes: string[];
  backend: string;
  files: FileProbabilities[];
}

export type PredictFiles = (
  modelDir: string,
  chunkDir: string,
  split: EvaluateSplit,
  options: { backend?: string },
) => Promise<Predictions>;

export interface FilePrediction extends FileProbabilities {
  /** argmax of `probs`. */
  predicted: number;
}

export interface EvaluationReport {
  classes: string[];
  files: number;
  accuracy: number;
  ua: number;
  macroF1: number;
  /** Classes with no true file: left out of UA. */
  uaExcluded: string[];
  /** Classes absent from both truth and predictions: left out of macro-F1. */
  macroF1Excluded: string[];
  /** null where the class has no true file. */
  perClassRecall: Record<string, number | null>;
  perClass: (ClassScores & { class: string })[];
  /** `matrix[t][p]`: files of true class t predicted as p. */
  confusion: { rows: 'true'; columns: 'predicted'; classes: string[]; matrix: number[][] };
  predictions: FilePrediction[];
}

/** Scores a set of per-file probabilities; pure, so it is tested without a model. */
export function evaluatePredictions(classes: readonly string[], files: readonly FileProbabilities[]): EvaluationReport {
  if (files.length === 0) throw new StageError('there are no files to evaluate', {}, 'check that the split has test files');
  for (const f of files) {
    if (f.probs.length !== classes.length) {
      throw new StageError(`${f.utterance}: ${f.probs.length} probabilities for ${classes.length} classes`);
    }
    if (!Number.isInteger(f.label) || f.label < 0 || f.label >= classes.length) {
      throw new StageError(`${f.utterance}: label ${f.label} is not a class index in [0, ${classes.length})`);
    }
  }
  const predictions = files.map((f) => ({ ...f, predicted: argmax(f.probs) }));
  const { matrix, scores } = classify(
    predictions.map((p) => p.label),
    predictions.map((p) => p.predicted),
    classes.length,
  );
  const names = (indices: number[]) => indices.map((i) => classes[i]);
  return {
    classes: [...classes],
    files: scores.files,
    accuracy: scores.accuracy,
    ua: scores.ua,
    macroF1: scores.macroF1,
    uaExcluded: names(scores.uaExcluded),
    macroF1Excluded: names(scores.macroF1Excluded),
    perClassRecall: Object.fromEntries(classes.map((c, i) => [c, scores.perClass[i].recall])),
    perClass: scores.perClass.map((s, i) => ({ class: classes[i], ...s })),
    confusion: { rows: 'true', columns: 'predicted', classes: [...classes], matrix },
    predictions,
  };
}

/** The stage's work, with the predictor passed in so that tests can run it without tfjs. */
export async function runEvaluate(ctx: StageContext<EvaluateParams>, predict: PredictFiles): Promise<StageResult> {
  const train = requireInput(ctx, ['train']);
  // The examples the model was trained on: chunks of waveform, or features computed from them.
  const chunk = requireInput(ctx, EXAMPLE_TYPES);
  const split = ctx.params.split;
  const result = await predict(train.dir, chunk.dir, split, { backend: ctx.options.backend });
  const report = evaluatePredictions(result.classes, result.files);
  const model = await readTrainedModel(train.dir);
  const rows = await readExampleRows(chunk.dir);
  const { protocol, testSpeakers } = speakerProtocol(rows, split);
  // Features standardised per speaker read the test speakers' audio: recorded only then, so other metrics.json stay as they were.
  const variant = await readProtocolVariant(chunk.dir);
  // Without a val split, training watches its own loss (train-loop.ts): its "validation" scores are training scores.
  const validation = rows.some((r) => r.split === 'val') ? await readValidation(train.dir) : { accuracy: null, loss: null };
  const training = await readKeptEpoch(train.dir);
  if (model === null) {
    ctx.report({ kind: 'log', level: 'warn', message: `${train.dir}/train.json names no model; compare cannot find a reference` });
  }
  const classSet = classSetName(report.classes);
  const { predictions, ...scores } = report;

  await writeJson(join(ctx.outDir, 'metrics.json'), {
    kind: 'evaluation',
    split,
    model,
    classSet,
    backend: result.backend,
    protocol,
    ...(variant === null ? {} : { protocolVariant: variant }),
    testSpeakers,
    validation,
    training,
    ...scores,
  });
  await writePredictions(join(ctx.outDir, 'predictions.json'), { kind: 'predictions', split, classes: report.classes }, predictions);
  // vega is loaded only here: planning imports every stage module.
  const { confusionMatrixSvg } = await import('../charts/confusion-matrix.js');
  const title = `${model ?? ctx.name} · ${classSet} · ${split}`;
  await writeFile(join(ctx.outDir, 'confusion.svg'), await confusionMatrixSvg(report.classes, report.confusion.matrix, title));

  const recall = Object.entries(report.perClassRecall).flatMap(([c, r]) => (r === null ? [] : [[`recall.${c}`, r] as const]));
  const info: JsonObject = {
    model,
    classSet,
    classes: report.classes,
    backend: result.backend,
    split,
    protocol,
    ...(variant === null ? {} : { protocolVariant: variant }),
    testSpeakers,
    validation,
    training,
    confusion: report.confusion.matrix,
  };
  return {
    metrics: { accuracy: report.accuracy, ua: report.ua, macroF1: report.macroF1, files: report.files, ...Object.fromEntries(recall) },
    info,
  };
}

function requireInput(ctx: StageContext<EvaluateParams>, types: readonly string[]): StageInput {
  const input = inputOfTypes(ctx.inputs, types);
  if (!input) {
    throw new StageError(
      `needs an input of type ${types.join(' or ')}, found ${ctx.inputs.map((i) => i.type).join(', ') || 'none'}`,
      { stage: ctx.name },
      'evaluate needs [train, chunk] (or [train, features] after a features stage)',
    );
  }
  return input;
}

export type Protocol = 'speaker-independent' | 'random';

/** A chunk row as far as the protocol needs it. */
export interface SpeakerRow {
  speaker: string;
  split: string;
}

/**
 * `speaker-independent` when no speaker of the scored split also appears in another split (so neither training
 * nor model selection heard them), else `random`; with the scored split's speakers, sorted.
 */
export function speakerProtocol(rows: readonly SpeakerRow[], split: EvaluateSplit): { protocol: Protocol; testSpeakers: string[] } {
  const scored = new Set(rows.filter((r) => r.split === split).map((r) => r.speaker));
  const seen = new Set(rows.filter((r) => r.split !== split).map((r) => r.speaker));
  const shared = [...scored].some((s) => seen.has(s));
  return { protocol: shared ? 'random' : 'speaker-independent', testSpeakers: [...scored].sort() };
}

/** The rows of the examples' manifest (chunk or features artifact), without loading their samples. */
async function readExampleRows(dir: string): Promise<SpeakerRow[]> {
  const path = join(dir, CHUNK_MANIFEST);
  let rows: unknown;
  try {
    rows = (JSON.parse(await readFile(path, 'utf8')) as { rows?: unknown }).rows;
  } catch (e) {
    throw new StageError(`cannot read ${path}: ${(e as Error).message}`, { file: path }, 'evaluate needs a chunk or features stage before it');
  }
  if (!Array.isArray(rows) || !rows.every((r) => isRecord(r) && typeof r.speaker === 'string' && typeof r.split === 'string')) {
    throw new StageError('rows without speaker and split', { file: path }, 'the artifact is damaged; re-run the stage with --force');
  }
  return rows as SpeakerRow[];
}

/**
 * The model name from the train artifact's `train.json` (`params.model`, or `model`), or null. Read defensively:
 * the model name only labels the result and finds its reference; a missing one must not fail the evaluation.
 */
export async function readTrainedModel(trainDir: string): Promise<string | null> {
  const parsed = await readTrainJson(trainDir);
  if (parsed === null) return null;
  const fromParams = isRecord(parsed.params) ? parsed.params.model : undefined;
  const model = fromParams ?? parsed.model;
  return typeof model === 'string' ? model : null;
}

/** The best epoch's validation scores from `train.json` (null where missing), read as defensively as the model. */
export async function readValidation(trainDir: string): Promise<{ accuracy: number | null; loss: number | null }> {
  const parsed = await readTrainJson(trainDir);
  const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { accuracy: number(parsed?.bestValAccuracy), loss: number(parsed?.bestValLoss) };
}

/**
 * The kept epoch (train.json's `bestEpoch`, whose weights were saved) and the training accuracy history.json
 * records for it; null where either file lacks it (no epoch ever improved, or an older artifact).
 */
export async function readKeptEpoch(trainDir: string): Promise<{ epoch: number | null; accuracy: number | null }> {
  const bestEpoch = (await readTrainJson(trainDir))?.bestEpoch;
  if (typeof bestEpoch !== 'number') return { epoch: null, accuracy: null };
  const history = await readJsonFile(join(trainDir, 'history.json'));
  const record = Array.isArray(history) ? history.find((h: unknown) => isRecord(h) && h.epoch === bestEpoch) : undefined;
  const accuracy = isRecord(record) && typeof record.accuracy === 'number' && Number.isFinite(record.accuracy) ? record.accuracy : null;
  return { epoch: accuracy === null ? null : bestEpoch, accuracy };
}

async function readTrainJson(trainDir: string): Promise<Record<string, unknown> | null> {
  const parsed = await readJsonFile(join(trainDir, 'train.json'));
  return isRecord(parsed) ? parsed : null;
}

async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}


async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}

/** One file per line: readable and diffable, without pretty-printing every probability on its own line. */
export async function writePredictions(path: string, head: JsonObject, files: FilePrediction[]): Promise<void> {
  const header = JSON.stringify(head).slice(0, -1);
  const rows = files.map((f) =>
    JSON.stringify({ utterance: f.utterance, speaker: f.speaker, label: f.label, predicted: f.predicted, probs: f.probs }),
  );
  await writeFile(path, `${header},"files":[\n${rows.join(',\n')}\n]}\n`);
}

export const evaluateStage = defineStage<EvaluateParams>({
  type: 'evaluate',
  // Still 1 although metrics.json gained protocol, testSpeakers, validation and training: the scores are the same, and
  // compare reads artifacts without them (shown as —, or a flag not judged), so cached evaluations stay valid.
  // `--force evaluate` fills them in.
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      split: { enum: ['test', 'val', 'train'], default: 'test', description: 'which split of the chunk manifest to score' },
    },
  },
  async run(ctx) {
    // Loaded here, not at the top: planning imports every stage module and must not load tfjs.
    const { predictFiles } = await import('../models/predict.js');
    return runEvaluate(ctx, predictFiles);
  },
});
