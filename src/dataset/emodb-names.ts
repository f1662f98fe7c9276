// EMO-DB file names carry the labels: `03a01Fa.wav` is speaker 03, text a01, emotion F (Freude = happiness),
// version a. The emotion letters are German initials.

import type { Emotion } from './types.js';

/** Emotion letter → emotion, and back. */
export const EMOTION_LETTERS: Readonly<Record<string, Emotion>> = {
  W: 'anger', // Wut / Ärger
  L: 'boredom', // Langeweile
  E: 'disgust', // Ekel
  A: 'fear', // Angst
  F: 'happiness', // Freude
  T: 'sadness', // Trauer
  N: 'neutral',
};

export const LETTER_OF: Readonly<Record<Emotion, string>> = Object.fromEntries(
  Object.entries(EMOTION_LETTERS).map(([letter, emotion]) => [emotion, letter]),
) as Record<Emotion, string>;

export interface EmodbName {
  /** File stem, e.g. `03a01Fa`. */
  id: string;
  speaker: string;
  text: string;
  emotion: Emotion;
  version: string;
}

export type ParsedName = ({ ok: true } & EmodbName) | { ok: false; reason: string };

/** Parse a file name (not a path) like `03a01Fa.wav`; says why when it is not an EMO-DB name. */
export function parseEmodbName(fileName: string): ParsedName {
  const m = /^(.*)\.wav$/i.exec(fileName);
  if (!m) return { ok: false, reason: 'does not end in .wav' };
  const id = m[1];
  if (id.length !== 7) {
    return { ok: false, reason: `expected 7 characters before .wav (speaker, text, emotion, version: SSTTTEV), found ${id.length}` };
  }
  const [speaker, text, letter, version] = [id.slice(0, 2), id.slice(2, 5), id[5], id[6]];
  if (!/^\d\d$/.test(speaker)) return { ok: false, reason: `speaker "${speaker}" is not two digits` };
  if (!/^[ab]\d\d$/.test(text)) return { ok: false, reason: `text "${text}" is not a or b followed by two digits` };
  const emotion = EMOTION_LETTERS[letter];
  if (!emotion) {
    return { ok: false, reason: `emotion letter "${letter}" is not one of ${Object.keys(EMOTION_LETTERS).join(' ')}` };
  }
  if (!/^[a-z]$/.test(version)) return { ok: false, reason: `version "${version}" is not a lower-case letter` };
  return { ok: true, id, speaker, text, emotion, version };
}

/** The file name for these labels (inverse of parseEmodbName). */
export function emodbName(name: Omit<EmodbName, 'id'>): string {
  return `${name.speaker}${name.text}${LETTER_OF[name.emotion]}${name.version}.wav`;
}
