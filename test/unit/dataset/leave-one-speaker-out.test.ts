// Leave-one-speaker-out folds, on rows shaped like EMO-DB: 10 speakers, and speaker 08 without a disgust file.

import { describe, expect, it } from 'vitest';
import { assignLeaveOneSpeakerOut, type Side, type SplitRow } from '../../../src/dataset/split-assign.js';
import { EMOTIONS } from '../../../src/dataset/types.js';
import { DataError } from '../../../src/errors.js';

const SPEAKERS = ['03', '08', '09', '10', '11', '12', '13', '14', '15', '16'];

/** Three files per speaker and emotion, listed out of speaker order; none of 08's disgust. */
function emodbLike(): SplitRow[] {
  const rows: SplitRow[] = [];
  for (const speaker of [...SPEAKERS].reverse()) {
    for (const emotion of EMOTIONS) {
      if (speaker === '08' && emotion === 'disgust') continue;
      for (let i = 0; i < 3; i++) rows.push({ id: `${speaker}-${emotion}-${i}`, speaker, emotion });
    }
  }
  return rows;
}

const rows = emodbLike();
const classes = [...EMOTIONS];
const LOSO = { speakers: 10 };

/** The speakers on each side of one fold. */
function speakersBySide(sides: Map<string, Side>): Record<Side, string[]> {
  const out: Record<Side, Set<string>> = { train: new Set(), val: new Set(), test: new Set() };
  for (const r of rows) out[sides.get(r.id)!].add(r.speaker);
  return { train: [...out.train].sort(), val: [...out.val].sort(), test: [...out.test].sort() };
}

describe('assignLeaveOneSpeakerOut', () => {
  it('fold k tests the k-th speaker in sorted order, so folds 1..10 test every speaker exactly once', () => {
    const tested = Array.from({ length: 10 }, (_, k) => speakersBySide(assignLeaveOneSpeakerOut(rows, classes, { ...LOSO, fold: k + 1 }, 1)).test);
    expect(tested).toEqual(SPEAKERS.map((s) => [s]));
  });

  it('never puts a fold’s test speaker on its train or val side; val is exactly one other speaker; the rest train', () => {
    for (let fold = 1; fold <= 10; fold++) {
      const sides = assignLeaveOneSpeakerOut(rows, classes, { ...LOSO, fold }, 7);
      const by = speakersBySide(sides);
      const test = SPEAKERS[fold - 1];
      expect(by.val, `fold ${fold}`).toHaveLength(1);
      expect(by.val[0], `fold ${fold}`).not.toBe(test);
      expect(by.train, `fold ${fold}`).not.toContain(test);
      expect(by.train, `fold ${fold}`).toEqual(SPEAKERS.filter((s) => s !== test && s !== by.val[0]));
      // Every row has a side, and the sides cover every row.
      expect(sides.size).toBe(rows.length);
      expect(rows.filter((r) => sides.get(r.id) === 'test').every((r) => r.speaker === test)).toBe(true);
    }
  });

  it('tests speaker 08 although it has no disgust file; train still holds every class', () => {
    const sides = assignLeaveOneSpeakerOut(rows, classes, { ...LOSO, fold: 2 }, 1);
    const testEmotions = new Set(rows.filter((r) => sides.get(r.id) === 'test').map((r) => r.emotion));
    expect(testEmotions.has('disgust')).toBe(false);
    expect(testEmotions.size).toBe(6);
    expect(new Set(rows.filter((r) => sides.get(r.id) === 'train').map((r) => r.emotion)).size).toBe(7);
  });

  it('picks the same validation speaker for the same seed and fold, and different ones across seeds', () => {
    const valOf = (seed: number, fold: number) => speakersBySide(assignLeaveOneSpeakerOut(rows, classes, { ...LOSO, fold }, seed)).val[0];
    expect(valOf(1, 4)).toBe(valOf(1, 4));
    expect(assignLeaveOneSpeakerOut([...rows].reverse(), classes, { ...LOSO, fold: 4 }, 1)).toEqual(assignLeaveOneSpeakerOut(rows, classes, { ...LOSO, fold: 4 }, 1));
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => valOf(seed, 4))).size).toBeGreaterThan(1);
  });

  it('rejects data whose speaker count is not the planned one, saying what to set', () => {
    const nine = rows.filter((r) => r.speaker !== '16');
    const run = () => assignLeaveOneSpeakerOut(nine, classes, { ...LOSO, fold: 1 }, 1, 'split');
    expect(run).toThrow(DataError);
    expect(run).toThrow('the data has 9 speakers; set split.speakers: 9');
    expect(() => assignLeaveOneSpeakerOut(nine, classes, { speakers: 9, fold: 1 }, 1)).not.toThrow();
    // From the runner the stage is an instance id; the message names the param a user writes in the spec.
    expect(() => assignLeaveOneSpeakerOut(nine, classes, { ...LOSO, fold: 3 }, 1, 'split[seed=1,split.fold=3]')).toThrow('set split.speakers: 9');
  });

  it('rejects a fold outside 1..speakers', () => {
    expect(() => assignLeaveOneSpeakerOut(rows, classes, { ...LOSO, fold: 11 }, 1)).toThrow(/fold 11 is not in 1\.\.10/);
  });

  it('rejects a fold whose train side lacks a class, naming the class and the speakers', () => {
    // Fear only from speakers 03 and 16: testing 03 leaves fear to 16, in train or val as the seed picks.
    const fearFromTwo = rows.filter((r) => r.emotion !== 'fear' || r.speaker === '03' || r.speaker === '16');
    const failing = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20].find((seed) => {
      try {
        assignLeaveOneSpeakerOut(fearFromTwo, classes, { ...LOSO, fold: 1 }, seed);
        return false;
      } catch {
        return true;
      }
    });
    expect(failing).toBeDefined();
    expect(() => assignLeaveOneSpeakerOut(fearFromTwo, classes, { ...LOSO, fold: 1 }, failing!)).toThrow(
      'class fear has no train file in fold 1 (test speaker 03, val speaker 16)',
    );
  });
});
