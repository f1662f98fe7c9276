// What flows between the data stages: a JSON manifest (one row per utterance or chunk) beside a little-endian
// Float32 sample file. Stages read and write these only through src/dataset/*.ts helpers.

export const EMOTIONS = ['anger', 'boredom', 'disgust', 'fear', 'happiness', 'sadness', 'neutral'] as const;
export type Emotion = (typeof EMOTIONS)[number];

export type SplitName = 'train' | 'val' | 'test';

/** One utterance; its samples are `audio.f32[offset, offset + length)`. */
export interface Utterance {
  /** File stem, e.g. `03a01Fa`. */
  id: string;
  speaker: string;
  text: string;
  emotion: Emotion;
  version: string;
  /** Path of the source file as ingested (or `synthetic:<id>`). */
  source: string;
  sampleRate: number;
  /** Samples (mono). */
  length: number;
  /** Offset into the sample file, in samples. */
  offset: number;
  /** Set by the split stage. */
  split?: SplitName;
}

/** `dataset.json` in an ingest, normalize or split artifact; samples in `audio.f32`. */
export interface UtteranceManifest {
  kind: 'utterances';
  /** The class set, in label-index order. */
  classes: Emotion[];
  /** Sample rate shared by every row, or null when rows differ (straight after ingest). */
  sampleRate: number | null;
  rows: Utterance[];
}

/** One fixed-length chunk; samples are `chunks.f32[index * length, (index + 1) * length)`. */
export interface Chunk {
  /** Row index in the chunk file. */
  index: number;
  utterance: string;
  speaker: string;
  /** Position of this chunk within its utterance (0, 1, ...). */
  position: number;
  /** Label index into `classes`. */
  label: number;
  split: SplitName;
}

/** `chunks.json` in a chunk artifact; samples in `chunks.f32`, row-major [chunks, length]. */
export interface ChunkManifest {
  kind: 'chunks';
  classes: Emotion[];
  sampleRate: number;
  /** Values per chunk (samples of waveform, or frames × dims of a features artifact). */
  length: number;
  /**
   * How a chunk's values are laid out: [steps, channels], row-major. A waveform is [length, 1]; a features
   * stage writes [frames, dims]. Absent in chunk artifacts: read it as [length, 1].
   */
  shape?: [number, number];
  /** The feature params a features stage computed these with. */
  features?: Record<string, unknown>;
  rows: Chunk[];
}
