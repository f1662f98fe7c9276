// sha256 of a file, read in large blocks: the hash, not the reads, should bound the speed.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const BLOCK = 8 * 1024 * 1024;

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const fd = await open(path, 'r');
  try {
    const { size } = await fd.stat();
    // A buffer per call (hashes run concurrently), no bigger than the file.
    const block = Buffer.allocUnsafe(Math.max(1, Math.min(size, BLOCK)));
    for (;;) {
      const { bytesRead } = await fd.read(block, 0, block.length, null);
      if (bytesRead === 0) break;
      hash.update(block.subarray(0, bytesRead));
    }
  } finally {
    await fd.close();
  }
  return hash.digest('hex');
}
