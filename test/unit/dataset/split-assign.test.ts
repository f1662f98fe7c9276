import { describe, expect, it } from 'vitest';
import { assignByFile, assignBySpeaker, effectiveShares, type Side, type SplitRow } from '../../../src/dataset/split-assign.js';
import { EMOTIONS, type Emotion } from '../../../src/dataset/types.js';
import { DataError } from '../../../src/errors.js';

const SPEAKERS = ['03', '08', '09', '10', '11', '12', '13', '14', '15', '16'];
/** EMO-DB's class sizes. */
const EMODB_COUNTS: Record<Emotion, number> = { anger: 127, boredom: 81, disgust: 46, fear: 69, happiness: 71, sadness: 62, neutral: 79 };
const PAPER = { train: 0.64, val: 0.16, test: 0.2 };

function corpus(counts: Partial<Record<Emotion, number>>): SplitRow[] {
  const rows: SplitRow[] = [];
  for (const [emotion, n] of Object.entries(counts) as [Emotion, number][]) {
    for (let i = 0; i < n; i++) rows.push({ id: `${emotion}-${i}`, speaker: SPEAKERS[i % SPEAKERS.length], emotion });
  }
  return rows;
}

function count(rows: SplitRow[], sides: Map<string, Side>, side: Side, emotion: Emotion): number {
  return rows.filter((r) => r.emotion === emotion && sides.get(r.id) === side).length;
}

describe('effectiveShares', () => {
  it('takes 64/16/20 as they are', () => {
    const s = effectiveShares(PAPER);
    expect(s).toMatchObject({ val: 0.16, test: 0.2 });
    expect(s.train).toBeCloseTo(0.64, 12);
  });

  it('gives train 1 - val - test when train is left out', () => {
    expect(effectiveShares({ val: 0.16, test: 0.3 }).train).toBeCloseTo(0.54, 12);
    expect(effectiveShares({ val: 0, test: 0.2 }).train).toBeCloseTo(0.8, 12);
  });

  it('rejects a given train that does not make the three sum to 1', () => {
    expect(() => effectiveShares({ train: 0.64, val: 0.2, test: 0.2 })).toThrow(/must sum to 1, got 1\.04/);
  });

  it('rejects val + test ≥ 1', () => {
    expect(() => effectiveShares({ val: 0.5, test: 0.5 })).toThrow(/leaves nothing for training/);
  });
});

describe('assignByFile', () => {
  const rows = corpus(EMODB_COUNTS);

  it('puts every file on exactly one side', () => {
    const sides = assignByFile(rows, [...EMOTIONS], PAPER, 1);
    expect(sides.size).toBe(rows.length);
    expect(new Set(sides.values())).toEqual(new Set(['train', 'val', 'test']));
  });

  it("keeps each class's share per side within one file of the ratio", () => {
    const sides = assignByFile(rows, [...EMOTIONS], PAPER, 7);
    for (const emotion of EMOTIONS) {
      const n = EMODB_COUNTS[emotion];
      for (const side of ['train', 'val', 'test'] as const) {
        expect(Math.abs(count(rows, sides, side, emotion) - n * PAPER[side]), `${emotion} ${side}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('is the same for the same seed and different for another', () => {
    const a = assignByFile(rows, [...EMOTIONS], PAPER, 1);
    expect(assignByFile(rows, [...EMOTIONS], PAPER, 1)).toEqual(a);
    const b = assignByFile(rows, [...EMOTIONS], PAPER, 2);
    expect([...b].filter(([id, side]) => a.get(id) !== side).length).toBeGreaterThan(50);
  });

  it('does not depend on the order of the rows', () => {
    expect(assignByFile([...rows].reverse(), [...EMOTIONS], PAPER, 3)).toEqual(assignByFile(rows, [...EMOTIONS], PAPER, 3));
  });

  it('gives a class of two files one test file', () => {
    const small = corpus({ anger: 20, fear: 2 });
    const sides = assignByFile(small, ['anger', 'fear'], PAPER, 1);
    expect(count(small, sides, 'test', 'fear')).toBe(1);
    expect(count(small, sides, 'train', 'fear')).toBe(1);
  });

  it('rejects a class that cannot have both a train and a test file, naming it', () => {
    const run = () => assignByFile(corpus({ anger: 20, fear: 1 }), ['anger', 'fear'], PAPER, 1, 'split');
    expect(run).toThrow(DataError);
    expect(run).toThrow(/class fear has no train file \(1 files, split by file\)/);
  });

});

describe('assignBySpeaker', () => {
  const rows = corpus(EMODB_COUNTS);

  it('puts every speaker on exactly one side', () => {
    const sides = assignBySpeaker(rows, [...EMOTIONS], PAPER, 1);
    const sidesOf = new Map<string, Set<Side>>();
    for (const r of rows) sidesOf.set(r.speaker, (sidesOf.get(r.speaker) ?? new Set()).add(sides.get(r.id)!));
    for (const [speaker, s] of sidesOf) expect(s.size, speaker).toBe(1);
    expect(new Set(sides.values())).toEqual(new Set(['train', 'val', 'test']));
  });

  it('keeps the file ratios roughly (10 speakers: within 10 points) and every class in train and test', () => {
    const sides = assignBySpeaker(rows, [...EMOTIONS], PAPER, 4);
    for (const side of ['train', 'val', 'test'] as const) {
      const share = [...sides.values()].filter((s) => s === side).length / rows.length;
      expect(Math.abs(share - PAPER[side]), side).toBeLessThan(0.1);
    }
    for (const emotion of EMOTIONS) {
      expect(count(rows, sides, 'test', emotion)).toBeGreaterThan(0);
      expect(count(rows, sides, 'train', emotion)).toBeGreaterThan(0);
    }
  });

  it('is the same for the same seed and changes with the seed', () => {
    expect(assignBySpeaker(rows, [...EMOTIONS], PAPER, 1)).toEqual(assignBySpeaker(rows, [...EMOTIONS], PAPER, 1));
    const testSpeakers = (seed: number) => {
      const sides = assignBySpeaker(rows, [...EMOTIONS], PAPER, seed);
      return [...new Set(rows.filter((r) => sides.get(r.id) === 'test').map((r) => r.speaker))].sort().join();
    };
    expect(new Set([1, 2, 3, 4, 5].map(testSpeakers)).size).toBeGreaterThan(1);
  });

  it('rejects too few speakers for the sides asked for', () => {
    const two = rows.filter((r) => r.speaker === '03' || r.speaker === '08');
    expect(() => assignBySpeaker(two, [...EMOTIONS], PAPER, 1)).toThrow(/needs a speaker for each of test, val, train, but the data has 2/);
  });

  it('rejects a class that only one speaker has, naming the class and suggesting another seed or ratio', () => {
    const onlyOne = [...rows.filter((r) => r.emotion === 'anger'), { id: 'fear-x', speaker: '03', emotion: 'fear' as const }];
    const run = () => assignBySpeaker(onlyOne, ['anger', 'fear'], PAPER, 1);
    expect(run).toThrow(/class fear has no (test|train) file/);
    expect(run).toThrow(expect.objectContaining({ hint: expect.stringMatching(/another seed/) }));
  });
});
