// Utterance features remembered within one process. The features stage of every split seed and LOSO fold reads the
// same chunks (only the split labels differ), and `pipe tune` runs many such cells in one process, so each chunk's
// features are computed once per set of options instead of once per cell. An entry is keyed by a digest of the
// samples, the sample rate and the options, and handed out as a copy, so callers may scale it in place. The memo is
// bounded: past MEMO_BYTES the least recently used entries go.

import { createHash } from 'node:crypto';
import { canonicalJson } from '../json.js';
import { utteranceFeatures, type FeatureMatrix, type FeatureOptions } from './utterance-features.js';

/** Bytes of feature data kept at most (Float32 payloads). */
export const MEMO_BYTES = 512 * 1024 * 1024;

const memo = new Map<string, FeatureMatrix>();
let bytes = 0;

/** `utteranceFeatures`, computed once per (samples, sample rate, options) in this process. */
export function memoisedUtteranceFeatures(samples: Float32Array, sampleRate: number, options: FeatureOptions): FeatureMatrix {
  const key = memoKey(samples, sampleRate, options);
  let entry = memo.get(key);
  if (entry) {
    memo.delete(key); // re-inserted below: the Map's order is least recently used first
  } else {
    entry = utteranceFeatures(samples, sampleRate, options);
    bytes += entry.data.byteLength;
  }
  memo.set(key, entry);
  evictBeyond(MEMO_BYTES);
  return { frames: entry.frames, dims: entry.dims, data: Float32Array.from(entry.data) };
}

/** Forgets everything (tests). */
export function clearFeaturesMemo(): void {
  memo.clear();
  bytes = 0;
}

/** How many entries are held (tests). */
export function featuresMemoSize(): number {
  return memo.size;
}

function memoKey(samples: Float32Array, sampleRate: number, options: FeatureOptions): string {
  const digest = createHash('sha1').update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)).digest('hex');
  return `${digest}:${sampleRate}:${canonicalJson(featureOptionsOnly(options))}`;
}

/**
 * The options without `normalize`, which the features stage applies afterwards. Everything else a caller's options
 * carry stays in the key: an unknown field can only cost a hit, never give a wrong one.
 */
function featureOptionsOnly(options: FeatureOptions & { normalize?: unknown }): Omit<FeatureOptions, 'normalize'> {
  const { normalize: _scaledLater, ...rest } = options;
  return rest;
}

function evictBeyond(limit: number): void {
  for (const [key, entry] of memo) {
    if (bytes <= limit) return;
    memo.delete(key);
    bytes -= entry.data.byteLength;
  }
}
