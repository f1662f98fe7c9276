// Little-endian Float32 sample files (`audio.f32`, `chunks.f32`): appended row by row, read back whole.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { DataError } from '../errors.js';

const bigEndianHost = endianness() === 'BE';

/** Appends Float32 rows to a file; `written` counts samples so far (the next row's offset). */
export class Float32FileWriter {
  private readonly fd: number;
  written = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  append(samples: Float32Array): void {
    const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    writeSync(this.fd, bigEndianHost ? Buffer.from(bytes).swap32() : bytes);
    this.written += samples.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The whole file as one Float32Array (one read; rows are views into it). */
export function readFloat32File(path: string): Float32Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot read the sample file: ${(e as Error).message}`, { file: path });
  }
  if (bytes.length % 4 !== 0) {
    throw new DataError(`is ${bytes.length} bytes, not a whole number of Float32 samples`, { file: path }, 'the artifact is damaged; re-run the stage with --force');
  }
  // Float32Array views need 4-byte alignment; small Buffers may come from Node's shared pool at any offset.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  if (bigEndianHost) aligned.swap32();
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
}

/** Write a manifest with one row per line, so that it stays readable and diffs well. */
export function manifestJson(header: object, rows: readonly object[]): string {
  const head = JSON.stringify(header);
  const body = rows.map((r) => JSON.stringify(r)).join(',\n');
  return `${head.slice(0, -1)},"rows":[\n${body}\n]}\n`;
}
