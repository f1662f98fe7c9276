import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { describe, expect, it } from 'vitest';
import { decodeWav, readWav } from '../../../src/audio/wav-decode.js';
import { DataError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/stage-context.js';

function wav(channels: number, sampleRate: number, bitDepth: string, samples: number[] | number[][]): Uint8Array {
  const w = new wavefile.WaveFile();
  w.fromScratch(channels, sampleRate, bitDepth, samples);
  return w.toBuffer();
}

function decodeError(bytes: Uint8Array): DataError {
  try {
    decodeWav(bytes, '/data/bad.wav');
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('decodeWav', () => {
  it('decodes 8-bit unsigned PCM to [-1, 1]', () => {
    const d = decodeWav(wav(1, 8000, '8', [0, 64, 128, 192, 255]), 'x.wav');
    expect(Array.from(d.samples)).toEqual([-1, -0.5, 0, 0.5, 127 / 128]);
    expect(d).toMatchObject({ sampleRate: 8000, channels: 1, encoding: '8-bit int' });
  });

  it('decodes 16-bit PCM to [-1, 1] and keeps the sample rate', () => {
    const d = decodeWav(wav(1, 22050, '16', [-32768, -16384, 0, 16384, 32767]), 'x.wav');
    expect(Array.from(d.samples)).toEqual([-1, -0.5, 0, 0.5, 32767 / 32768]);
    expect(d.sampleRate).toBe(22050);
  });

  it('decodes 24-bit PCM, including negative values', () => {
    const d = decodeWav(wav(1, 44100, '24', [-8388608, -4194304, 1, 4194304]), 'x.wav');
    expect(Array.from(d.samples)).toEqual([-1, -0.5, 1 / 8388608, 0.5].map(Math.fround));
    expect(d.encoding).toBe('24-bit int');
  });

  it('decodes 32-bit int PCM', () => {
    const d = decodeWav(wav(1, 16000, '32', [-2147483648, 1073741824]), 'x.wav');
    expect(Array.from(d.samples)).toEqual([-1, 0.5]);
  });

  it('decodes 32-bit and 64-bit float as they are', () => {
    expect(Array.from(decodeWav(wav(1, 16000, '32f', [0.25, -0.75]), 'x.wav').samples)).toEqual([0.25, -0.75]);
    const d64 = decodeWav(wav(1, 16000, '64', [0.125, -1]), 'x.wav');
    expect(Array.from(d64.samples)).toEqual([0.125, -1]);
    expect(d64.encoding).toBe('64-bit float');
  });

  it('mixes stereo down to mono by averaging the channels', () => {
    const d = decodeWav(wav(2, 16000, '16', [[16384, 0, -32768], [0, 16384, 0]]), 'x.wav');
    expect(Array.from(d.samples)).toEqual([0.25, 0.25, -0.5]);
    expect(d.channels).toBe(2);
  });

  it('mixes three channels down to mono', () => {
    const d = decodeWav(wav(3, 16000, '16', [[3 * 1024], [0], [0]]), 'x.wav');
    expect(d.samples[0]).toBeCloseTo(1024 / 32768, 7);
  });

  it('rejects a zero-byte file, naming it', () => {
    const e = decodeError(new Uint8Array(0));
    expect(e.place.file).toBe('/data/bad.wav');
    expect(e.message).toMatch(/empty \(0 bytes\)/);
  });

  it('rejects a file whose samples are cut short, saying it is truncated', () => {
    const full = wav(1, 16000, '16', Array.from({ length: 100 }, (_, i) => i));
    const e = decodeError(full.subarray(0, full.length - 50));
    expect(e.message).toMatch(/truncated: the header declares 200 bytes of samples, the file holds 150/);
  });

  it('rejects a file cut inside its header', () => {
    const full = wav(1, 16000, '16', [1, 2, 3]);
    const e = decodeError(full.subarray(0, 30));
    expect(e.message).toMatch(/header cannot be parsed/);
  });

  it('rejects a file with a wrong header', () => {
    const bytes = wav(1, 16000, '16', [1, 2, 3]);
    bytes.set(new TextEncoder().encode('RIFX'), 0);
    bytes.set(new TextEncoder().encode('AVI '), 8);
    expect(decodeError(bytes).message).toMatch(/does not start with a RIFF\/WAVE header \(first bytes: "RIFX....AVI "\)/);
  });

  it('rejects a text file named .wav', () => {
    const e = decodeError(new TextEncoder().encode('this is not audio, just notes\n'));
    expect(e.message).toMatch(/does not start with a RIFF\/WAVE header \(first bytes: "this is not "\)/);
  });

  it('rejects a compressed (A-law) file, saying how to convert it', () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(1, 8000, '16', [1000, -1000, 0]);
    w.toALaw();
    const e = decodeError(w.toBuffer());
    expect(e.message).toMatch(/unsupported encoding \(format code 6, 8 bits\)/);
    expect(e.hint).toMatch(/sox or ffmpeg/);
  });
});

describe('readWav', () => {
  it('reads a file from disk', () => {
    const path = join(tempDir(), 'a.wav');
    writeFileSync(path, wav(1, 16000, '16', [16384]));
    expect(Array.from(readWav(path).samples)).toEqual([0.5]);
  });

  it('names a missing file in a DataError', () => {
    const path = join(tempDir(), 'missing.wav');
    expect(() => readWav(path)).toThrow(DataError);
    expect(() => readWav(path)).toThrow(/cannot read the file/);
  });
});
