import { describe, expect, it } from 'vitest';
import { emodbName, parseEmodbName } from '../../../src/dataset/emodb-names.js';

describe('parseEmodbName', () => {
  it('reads speaker, text, emotion and version from 03a01Fa.wav', () => {
    expect(parseEmodbName('03a01Fa.wav')).toEqual({ ok: true, id: '03a01Fa', speaker: '03', text: 'a01', emotion: 'happiness', version: 'a' });
  });

  it.each([
    ['16b10Wb.wav', 'anger'],
    ['08a02La.wav', 'boredom'],
    ['09b03Ed.wav', 'disgust'],
    ['10a04Ac.wav', 'fear'],
    ['11a05Fa.wav', 'happiness'],
    ['12b09Tb.wav', 'sadness'],
    ['13a07Na.WAV', 'neutral'],
  ])('maps the emotion letter of %s to %s', (name, emotion) => {
    expect(parseEmodbName(name)).toMatchObject({ ok: true, emotion });
  });

  it.each([
    ['03a01Fa.mp3', /does not end in \.wav/],
    ['03a01F.wav', /expected 7 characters .* found 6/],
    ['03a01Faa.wav', /expected 7 characters .* found 8/],
    ['x3a01Fa.wav', /speaker "x3" is not two digits/],
    ['03c01Fa.wav', /text "c01" is not a or b followed by two digits/],
    ['03a01Xa.wav', /emotion letter "X" is not one of W L E A F T N/],
    ['03a01fa.wav', /emotion letter "f"/],
    ['03a01FA.wav', /version "A" is not a lower-case letter/],
    ['notes.wav', /expected 7 characters/],
  ])('rejects %s with a reason', (name, reason) => {
    const parsed = parseEmodbName(name);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('emodbName is the inverse of parseEmodbName', () => {
    expect(emodbName({ speaker: '14', text: 'b02', emotion: 'sadness', version: 'c' })).toBe('14b02Tc.wav');
    expect(parseEmodbName('14b02Tc.wav')).toMatchObject({ speaker: '14', text: 'b02', emotion: 'sadness', version: 'c' });
  });
});
