// The features memo hands out what utteranceFeatures computes, once per samples and options, as copies.

import { beforeEach, describe, expect, it } from 'vitest';
import { clearFeaturesMemo, featuresMemoSize, memoisedUtteranceFeatures } from '../../../src/audio/features-memo.js';
import { utteranceFeatures, type FeatureOptions } from '../../../src/audio/utterance-features.js';

const RATE = 16000;
const OPTIONS: FeatureOptions = { kind: 'stats', windowMs: 25, hopMs: 10, fftSize: 512, bands: 16, fMin: 0, coefficients: 13, deltas: 0, statsOf: 'logmel' };

function tone(frequency: number): Float32Array {
  return Float32Array.from({ length: 4000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * frequency * i) / RATE));
}

describe('features memo', () => {
  beforeEach(() => clearFeaturesMemo());

  it('returns exactly what utteranceFeatures computes, and keeps one entry per samples and options', () => {
    const a = tone(220);
    const first = memoisedUtteranceFeatures(a, RATE, OPTIONS);
    expect(Array.from(first.data)).toEqual(Array.from(utteranceFeatures(a, RATE, OPTIONS).data));
    memoisedUtteranceFeatures(Float32Array.from(a), RATE, OPTIONS); // equal samples in another array: a hit
    expect(featuresMemoSize()).toBe(1);
    memoisedUtteranceFeatures(tone(440), RATE, OPTIONS);
    memoisedUtteranceFeatures(a, RATE, { ...OPTIONS, statistics: ['mean', 'p50'] });
    memoisedUtteranceFeatures(a, 8000, OPTIONS);
    expect(featuresMemoSize()).toBe(4);
  });

  it('ignores normalize, which is applied after the features', () => {
    const a = tone(330);
    memoisedUtteranceFeatures(a, RATE, { ...OPTIONS, normalize: 'train' } as FeatureOptions);
    memoisedUtteranceFeatures(a, RATE, { ...OPTIONS, normalize: 'speaker' } as FeatureOptions);
    expect(featuresMemoSize()).toBe(1);
  });

  it('hands out copies, so scaling one in place leaves the next untouched', () => {
    const a = tone(150);
    const first = memoisedUtteranceFeatures(a, RATE, OPTIONS);
    const expected = Array.from(first.data);
    first.data.fill(0);
    expect(Array.from(memoisedUtteranceFeatures(a, RATE, OPTIONS).data)).toEqual(expected);
  });

  it('reads only the view it is given, not the whole buffer behind it', () => {
    const buffer = new Float32Array(8000);
    buffer.set(tone(220), 0);
    buffer.set(tone(440), 4000);
    const low = memoisedUtteranceFeatures(buffer.subarray(0, 4000), RATE, OPTIONS);
    const high = memoisedUtteranceFeatures(buffer.subarray(4000), RATE, OPTIONS);
    expect(featuresMemoSize()).toBe(2);
    expect(Array.from(high.data)).not.toEqual(Array.from(low.data));
  });
});
