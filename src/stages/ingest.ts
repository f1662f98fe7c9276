// Ingest: scan a folder of EMO-DB files (or generate a synthetic corpus) into an utterance manifest.
//
// Each file keeps its own sample rate (normalize resamples). Files not named like EMO-DB are skipped with one
// warning, and so are files shorter than 0.1 s (they cannot make a chunk worth learning from); with
// `strict: true` either is an error instead. A file that cannot be decoded is always an error: a corpus with a
// damaged file should be repaired, not silently shrunk. Every file is looked at before ingest fails, and the one
// error names every file with a problem, so that a user repairs them all at once.

import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { readWav } from '../audio/wav-decode.js';
import type { ParamProblem } from '../core/stage-type.js';
import { DataError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { describeClassSet, filterToClassSet, resolveClassSet, type ClassSetSpec } from '../dataset/class-sets.js';
import { parseEmodbName, type EmodbName } from '../dataset/emodb-names.js';
import { FileProgress } from '../dataset/file-progress.js';
import type { Emotion, UtteranceManifest } from '../dataset/types.js';
import type { UtteranceWithSamples } from '../dataset/utterance-files.js';
import { defineStage, type StageContext, type StageResult } from './stage.js';

export interface IngestParams {
  format: 'emodb' | 'synthetic';
  root?: string;
  classes: ClassSetSpec;
  strict: boolean;
  count: number;
  minSeconds: number;
  maxSeconds: number;
  sampleRate: number;
  corpusSeed: number;
}

/** Shorter files are skipped (or, with strict, rejected). */
export const MIN_SECONDS = 0.1;

/** Names shown in one warning or error before "and N more". */
const LIST_LIMIT = 10;

export const ingestStage = defineStage<IngestParams>({
  type: 'ingest',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      format: { enum: ['emodb', 'synthetic'], default: 'emodb' },
      root: { type: 'string', minLength: 1, description: 'folder of EMO-DB wav files (format: emodb)' },
      classes: {
        default: 'all7',
        oneOf: [
          { enum: ['all7', 'four'] },
          { type: 'array', minItems: 2, uniqueItems: true, items: { enum: ['anger', 'boredom', 'disgust', 'fear', 'happiness', 'sadness', 'neutral'] } },
        ],
      },
      strict: { type: 'boolean', default: false, description: 'error (instead of warn) on files not named like EMO-DB' },
      count: { type: 'integer', minimum: 7, default: 140, description: 'synthetic: number of utterances generated, before the class filter' },
      minSeconds: { type: 'number', exclusiveMinimum: 0, default: 1 },
      maxSeconds: { type: 'number', exclusiveMinimum: 0, default: 9 },
      sampleRate: { type: 'integer', minimum: 1000, default: 16000, description: 'synthetic: sample rate of the generated audio' },
      corpusSeed: { type: 'integer', default: 1, description: 'synthetic: seed of the generated corpus' },
    },
  },
  checkParams: ingestParamProblems,
  // The data folder's contents, not its path, make the key: a WAV replaced in place re-runs ingest, a moved folder does not.
  fileParams: (params) => (params.format === 'emodb' && typeof params.root === 'string' ? [['root']] : []),
  async run(ctx) {
    return ctx.params.format === 'synthetic' ? ingestSynthetic(ctx) : ingestEmodb(ctx);
  },
});

interface Skipped {
  file: string;
  reason: string;
}

// The WAV decoder, the synthetic corpus and the utterance writer are imported when the stage runs: planning and a
// cached run load this file for its definition only.
async function ingestEmodb(ctx: StageContext<IngestParams>): Promise<StageResult> {
  const [{ readWav }, { writeUtterances }] = await Promise.all([import('../audio/wav-decode.js'), import('../dataset/utterance-files.js')]);
  const root = dataFolder(ctx);
  const wavs = listWavs(root, ctx.name);
  const named: (EmodbName & { path: string })[] = [];
  const badNames: Skipped[] = [];
  for (const file of wavs) {
    const parsed = parseEmodbName(file);
    if (parsed.ok) named.push({ ...parsed, path: join(root, file) });
    else badNames.push({ file, reason: parsed.reason });
  }
  const strict = ctx.params.strict;
  if (badNames.length > 0 && !strict) {
    warn(ctx, `${badNames.length} of ${wavs.length} .wav files in ${root} ${NOT_EMODB}; skipped: ${listSkipped(badNames)}`);
  }
  const unique = withoutDuplicateIds(named);
  const kept = filterToClassSet(unique.items, ctx.params.classes, { file: root, stage: ctx.name });
  const tooShort: Skipped[] = [];
  const damaged: { file: string; error: DataError }[] = [];
  const progress = new FileProgress(ctx.report, ctx.signal, kept.length);
  // Every file is read even after a damaged one, so that one run names every file to repair.
  async function* decoded(): AsyncGenerator<UtteranceWithSamples> {
    for (const item of kept) {
      progress.check();
      const wav = readOrUndefined(readWav, item.path, damaged);
      const seconds = wav ? wav.samples.length / wav.sampleRate : 0;
      if (wav && seconds < MIN_SECONDS) {
        tooShort.push({ file: basename(item.path), reason: `${seconds.toFixed(3)} s` });
      } else if (wav) {
        const { path, ...labels } = item;
        yield { row: { ...labels, source: path, sampleRate: wav.sampleRate }, samples: wav.samples };
      }
      progress.step();
    }
  }
  const manifest = await writeUtterances(ctx.outDir, resolveClassSet(ctx.params.classes), decoded());
  if (damaged.length === 1 && unique.duplicates.length === 0 && !(strict && (badNames.length || tooShort.length))) throw damaged[0].error;
  const problems: Problem[] = [
    { what: 'cannot be read as WAV', files: damaged.map((d) => ({ file: d.file, reason: d.error.message.replace(/^is not a usable WAV file: /, '') })) },
    { what: 'share an id with another file (names differing only in case)', files: unique.duplicates },
    ...(strict ? [{ what: NOT_EMODB, files: badNames }, { what: `are shorter than ${MIN_SECONDS} s`, files: tooShort }] : []),
  ];
  throwIfProblems(problems, wavs.length, root, ctx.name);
  if (tooShort.length > 0) {
    warn(ctx, `${tooShort.length === 1 ? '1 file is' : `${tooShort.length} files are`} shorter than ${MIN_SECONDS} s; skipped: ${listSkipped(tooShort)}`);
  }
  if (manifest.rows.length === 0) {
    throw new DataError(`no usable file left in ${root} after skipping short files`, { file: root, stage: ctx.name });
  }
  return result(ctx, manifest, { format: 'emodb', root, skipped: { badNames: skippedJson(badNames), tooShort: skippedJson(tooShort) } });
}

const NOT_EMODB = 'are not named like EMO-DB (SSTTTEV.wav, e.g. 03a01Fa.wav)';

interface Problem {
  what: string;
  files: Skipped[];
}

/** One DataError naming every file with a problem, grouped by problem, with counts. */
function throwIfProblems(problems: Problem[], total: number, root: string, stage: string): void {
  const found = problems.filter((p) => p.files.length > 0);
  if (!found.length) return;
  const files = new Set(found.flatMap((p) => p.files.map((f) => f.file))).size;
  const lines = found.flatMap((p) => [`${p.files.length} ${p.what}:`, ...p.files.map((f) => `  ${f.file}: ${f.reason}`)]);
  const hints = [
    ...(problems[0].files.length ? ['repair or remove the damaged files'] : []),
    ...(problems[1].files.length ? ['remove one file of each id'] : []),
    ...(found.some((p) => p.what === NOT_EMODB || p.what.startsWith('are shorter')) ? ['rename or remove the others, or set ingest.strict=false to skip them'] : []),
  ];
  throw new DataError(`${files} of ${total} .wav files cannot be used:\n${lines.join('\n')}`, { file: root, stage }, hints.join('; '));
}

function readOrUndefined(read: typeof readWav, path: string, damaged: { file: string; error: DataError }[]): ReturnType<typeof readWav> | undefined {
  try {
    return read(path);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    damaged.push({ file: basename(path), error: err });
    return undefined;
  }
}

async function ingestSynthetic(ctx: StageContext<IngestParams>): Promise<StageResult> {
  const { count, minSeconds, maxSeconds, sampleRate, corpusSeed } = ctx.params;
  const options = { count, minSeconds, maxSeconds, sampleRate, seed: corpusSeed };
  const [{ checkSyntheticOptions, syntheticName, syntheticUtterance }, { writeUtterances }] = await Promise.all([
    import('../dataset/synthetic.js'),
    import('../dataset/utterance-files.js'),
  ]);
  checkSyntheticOptions(options);
  const names = Array.from({ length: count }, (_, index) => ({ ...syntheticName(index), index }));
  const kept = filterToClassSet(names, ctx.params.classes, { stage: ctx.name });
  const progress = new FileProgress(ctx.report, ctx.signal, kept.length);
  function* generated(): Generator<UtteranceWithSamples> {
    for (const { index } of kept) {
      progress.check();
      const { samples, ...labels } = syntheticUtterance(index, options);
      yield { row: { ...labels, source: `synthetic:${labels.id}` }, samples };
      progress.step();
    }
  }
  const manifest = await writeUtterances(ctx.outDir, resolveClassSet(ctx.params.classes), generated());
  return result(ctx, manifest, { format: 'synthetic', corpusSeed });
}

/** The data folder, resolved against the project folder; DataError when it is unset, missing or not a folder. */
function dataFolder(ctx: StageContext<IngestParams>): string {
  const how = 'set it with --set data.root=PATH (or the EMODB_ROOT environment variable), or ingest.root in the spec';
  if (!ctx.params.root) throw new DataError('no data folder: ingest.root is not set', { stage: ctx.name }, how);
  const root = resolve(ctx.options.projectDir, ctx.params.root);
  let isFolder: boolean;
  try {
    isFolder = statSync(root).isDirectory();
  } catch {
    throw new DataError(`the data folder does not exist`, { file: root, stage: ctx.name }, how);
  }
  if (!isFolder) throw new DataError('the data folder is a file, not a folder', { file: root, stage: ctx.name }, how);
  return root;
}

/** `.wav` file names directly in `root`, sorted; DataError when there are none. */
function listWavs(root: string, stage: string): string[] {
  const entries = readdirSync(root, { withFileTypes: true });
  const wavs = entries.filter((e) => !e.isDirectory() && /\.wav$/i.test(e.name)).map((e) => e.name);
  if (wavs.length === 0) {
    const sub = entries.find((e) => e.isDirectory() && readdirSync(join(root, e.name)).some((f) => /\.wav$/i.test(f)));
    throw new DataError(
      `the data folder holds no .wav files`,
      { file: root, stage },
      sub
        ? `the files seem to be in ${join(root, sub.name)}: point the data folder there (--set data.root=${join(root, sub.name)})`
        : 'point it at the folder of EMO-DB .wav files: --set data.root=PATH or EMODB_ROOT=PATH',
    );
  }
  return wavs.sort();
}

/** Two files with one id (e.g. `03a01Fa.wav` and `03a01Fa.WAV`) would break the split's no-leak guarantee. */
function withoutDuplicateIds<T extends EmodbName & { path: string }>(items: T[]): { items: T[]; duplicates: Skipped[] } {
  const seen = new Map<string, T>();
  const duplicates: Skipped[] = [];
  for (const item of items) {
    const first = seen.get(item.id);
    if (first) duplicates.push({ file: basename(item.path), reason: `the same id as ${basename(first.path)}` });
    else seen.set(item.id, item);
  }
  return { items: [...seen.values()], duplicates };
}

function result(ctx: StageContext<IngestParams>, manifest: UtteranceManifest, extra: JsonObject): StageResult {
  const counts = classCounts(manifest);
  const empty = manifest.classes.filter((c) => counts[c] === 0);
  if (empty.length > 0) warn(ctx, `class set ${describeClassSet(ctx.params.classes)}: no file for ${empty.join(', ')}`);
  const metrics: Record<string, number> = { files: manifest.rows.length };
  for (const c of manifest.classes) metrics[`files.${c}`] = counts[c];
  let seconds = 0;
  const rates: Record<string, number> = {};
  for (const row of manifest.rows) {
    seconds += row.length / row.sampleRate;
    rates[row.sampleRate] = (rates[row.sampleRate] ?? 0) + 1;
  }
  metrics.seconds = Math.round(seconds * 1000) / 1000;
  return {
    metrics,
    info: {
      ...extra,
      classes: manifest.classes,
      classCounts: counts,
      speakers: [...new Set(manifest.rows.map((r) => r.speaker))].sort(),
      sampleRates: rates,
    },
  };
}

function classCounts(manifest: UtteranceManifest): Record<Emotion, number> {
  const counts = Object.fromEntries(manifest.classes.map((c) => [c, 0])) as Record<Emotion, number>;
  for (const row of manifest.rows) counts[row.emotion]++;
  return counts;
}

function listSkipped(items: Skipped[]): string {
  const shown = items.slice(0, LIST_LIMIT).map((s) => `${s.file} (${s.reason})`);
  const more = items.length > LIST_LIMIT ? `, and ${items.length - LIST_LIMIT} more` : '';
  return shown.join(', ') + more;
}

function skippedJson(items: Skipped[]): JsonObject[] {
  return items.map((s) => ({ file: s.file, reason: s.reason }));
}

function warn(ctx: StageContext<IngestParams>, message: string): void {
  ctx.report({ kind: 'log', level: 'warn', message });
}

/** EMO-DB needs its folder; the length bounds must not cross. */
function ingestParamProblems(params: JsonObject): ParamProblem[] {
  if (params.format === 'emodb' && typeof params.root !== 'string') {
    return [{ message: 'format emodb needs root: the folder of EMO-DB .wav files', path: [], hint: 'set root (or data.root), e.g. --set data.root=/path/to/emodb/wav' }];
  }
  if (Number(params.minSeconds) > Number(params.maxSeconds)) {
    return [{ message: `minSeconds ${params.minSeconds} is above maxSeconds ${params.maxSeconds}`, path: ['minSeconds'] }];
  }
  return [];
}
