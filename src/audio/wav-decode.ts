// WAV files to mono Float32 samples in [-1, 1]. wavefile parses the chunks; we convert the sample bytes
// ourselves so that every bad file (empty, truncated, not a WAV, compressed) becomes a DataError naming it.

import { readFileSync } from 'node:fs';
import wavefile from 'wavefile';
import { DataError } from '../errors.js';

export interface DecodedWav {
  /** Mono samples in [-1, 1]; channels are averaged. */
  samples: Float32Array;
  sampleRate: number;
  /** Channels in the file (before the mix-down). */
  channels: number;
  /** e.g. `16-bit int`, `32-bit float`. */
  encoding: string;
}

/** What wavefile reads from the `fmt ` chunk (its typings say only `object`). */
interface FmtChunk {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  subformat?: number[];
}

interface DataChunk {
  chunkSize: number;
  samples: Uint8Array;
}

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

export function readWav(path: string): DecodedWav {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot read the file: ${(e as Error).message}`, { file: path });
  }
  return decodeWav(bytes, path);
}

/** Decode a whole WAV file held in memory; `file` names it in errors. */
export function decodeWav(bytes: Uint8Array, file: string): DecodedWav {
  const fail = (what: string, hint?: string) => new DataError(`is not a usable WAV file: ${what}`, { file }, hint);
  if (bytes.length === 0) throw fail('the file is empty (0 bytes)', 'the file was probably not copied completely; copy it again');
  if (bytes.length < 12 || !startsWithRiff(bytes)) {
    throw fail(`it does not start with a RIFF/WAVE header (first bytes: ${JSON.stringify(printable(bytes.subarray(0, 12)))})`);
  }
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (e) {
    throw fail(`the header cannot be parsed (${(e as Error).message})`, 'the file may be truncated or damaged');
  }
  const fmt = wav.fmt as FmtChunk;
  const data = wav.data as DataChunk;
  const encoding = describeEncoding(fmt);
  if (!encoding) {
    throw fail(
      `unsupported encoding (format code ${fmt.audioFormat}, ${fmt.bitsPerSample} bits)`,
      'convert it to PCM (8/16/24/32-bit) or float (32/64-bit) WAV, e.g. with sox or ffmpeg',
    );
  }
  if (fmt.numChannels < 1 || fmt.sampleRate < 1) throw fail(`the header says ${fmt.numChannels} channels at ${fmt.sampleRate} Hz`);
  if (data.samples.length < data.chunkSize) {
    throw fail(`truncated: the header declares ${data.chunkSize} bytes of samples, the file holds ${data.samples.length}`);
  }
  const bytesPerSample = fmt.bitsPerSample / 8;
  const frameBytes = bytesPerSample * fmt.numChannels;
  const frames = Math.floor(data.chunkSize / frameBytes);
  const littleEndian = wav.container === 'RIFF';
  const samples = mixDown(data.samples, frames, fmt.numChannels, bytesPerSample, sampleReader(fmt, littleEndian));
  return { samples, sampleRate: fmt.sampleRate, channels: fmt.numChannels, encoding };
}

function startsWithRiff(bytes: Uint8Array): boolean {
  const tag = String.fromCharCode(...bytes.subarray(0, 4));
  const wave = String.fromCharCode(...bytes.subarray(8, 12));
  return (tag === 'RIFF' || tag === 'RIFX') && wave === 'WAVE';
}

function printable(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
}

function formatCode(fmt: FmtChunk): number {
  return fmt.audioFormat === EXTENSIBLE && fmt.subformat ? fmt.subformat[0] : fmt.audioFormat;
}

function describeEncoding(fmt: FmtChunk): string | undefined {
  const code = formatCode(fmt);
  if (code === PCM && [8, 16, 24, 32].includes(fmt.bitsPerSample)) return `${fmt.bitsPerSample}-bit int`;
  if (code === IEEE_FLOAT && [32, 64].includes(fmt.bitsPerSample)) return `${fmt.bitsPerSample}-bit float`;
  return undefined;
}

type SampleReader = (view: DataView, byteOffset: number) => number;

/** Reads one sample at a byte offset as a number in [-1, 1]. */
function sampleReader(fmt: FmtChunk, le: boolean): SampleReader {
  if (formatCode(fmt) === IEEE_FLOAT) {
    return fmt.bitsPerSample === 32 ? (v, o) => v.getFloat32(o, le) : (v, o) => v.getFloat64(o, le);
  }
  switch (fmt.bitsPerSample) {
    case 8: // 8-bit WAV is unsigned, centred on 128
      return (v, o) => (v.getUint8(o) - 128) / 128;
    case 16:
      return (v, o) => v.getInt16(o, le) / 32768;
    case 24:
      return (v, o) => {
        const b0 = v.getUint8(le ? o : o + 2);
        const b1 = v.getUint8(o + 1);
        const b2 = v.getInt8(le ? o + 2 : o);
        return ((b2 << 16) | (b1 << 8) | b0) / 8388608;
      };
    default:
      return (v, o) => v.getInt32(o, le) / 2147483648;
  }
}

function mixDown(bytes: Uint8Array, frames: number, channels: number, bytesPerSample: number, read: SampleReader): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const base = f * channels * bytesPerSample;
    for (let c = 0; c < channels; c++) sum += read(view, base + c * bytesPerSample);
    out[f] = sum / channels;
  }
  return out;
}
