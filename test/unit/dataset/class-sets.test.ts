import { describe, expect, it } from 'vitest';
import { filterToClassSet, resolveClassSet } from '../../../src/dataset/class-sets.js';
import type { Emotion } from '../../../src/dataset/types.js';
import { DataError } from '../../../src/errors.js';

const items = (emotions: Emotion[]) => emotions.map((emotion, i) => ({ id: `f${i}`, emotion }));

describe('class sets', () => {
  it('all7 is the seven emotions in EMO-DB letter order (W L E A F T N), labels by position', () => {
    expect(resolveClassSet('all7')).toEqual(['anger', 'boredom', 'disgust', 'fear', 'happiness', 'sadness', 'neutral']);
  });

  it('four is anger, happiness, neutral, sadness, in that order', () => {
    expect(resolveClassSet('four')).toEqual(['anger', 'happiness', 'neutral', 'sadness']);
  });

  it('an explicit list keeps its order (label index = position)', () => {
    expect(resolveClassSet(['sadness', 'anger'])).toEqual(['sadness', 'anger']);
  });

  it('four keeps only its four emotions', () => {
    const kept = filterToClassSet(items(['anger', 'boredom', 'disgust', 'fear', 'happiness', 'sadness', 'neutral', 'anger']), 'four', {});
    expect(kept.map((k) => k.id)).toEqual(['f0', 'f4', 'f5', 'f6', 'f7']);
  });

  it('a class set that selects no file is a DataError naming the class set', () => {
    const run = () => filterToClassSet(items(['boredom', 'disgust']), 'four', { stage: 'ingest' });
    expect(run).toThrow(DataError);
    expect(run).toThrow(/class set four selects no file \(2 files, emotions found: boredom, disgust\)/);
    expect(() => filterToClassSet(items(['boredom']), ['anger', 'fear'], {})).toThrow(/class set anger\+fear selects no file/);
  });
});
