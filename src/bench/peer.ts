// The benchmark's peer (`npm run bench -- --peer`): the same cnn_lstm trained in PyTorch on the CPU
// (bench/peer_torch.py), with 1 and 2 threads, so that pipe's figures come with the tool most researchers would
// use instead, measured in the same sitting. Without python3 and torch it says how to get them and skips.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface PeerResult {
  torch: string;
  /** examples/s by thread count. */
  threads: Record<string, number>;
}

export const PEER_HINT = 'PyTorch peer skipped: python3 cannot import torch (Debian: apt-get install python3-torch; elsewhere: pip install torch)';

export function peerSpeed(root: string, threads: number[] = [1, 2], pythons = defaultPythons()): PeerResult | { skipped: string } {
  const python = pythons.find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
  if (!python) return { skipped: PEER_HINT };
  const r = spawnSync(python, [join(root, 'bench', 'peer_torch.py'), ...threads.map(String)], { encoding: 'utf8' });
  if (r.status !== 0) return { skipped: `PyTorch peer failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}` };
  const rows = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { torch: string; threads: number; examples_per_s: number });
  return { torch: rows[0]?.torch ?? '?', threads: Object.fromEntries(rows.map((row) => [String(row.threads), row.examples_per_s])) };
}

/** PIPE_PEER_PYTHON, else python3 on the PATH, else the system's (a pyenv or venv python3 on the PATH may lack Debian's torch). */
function defaultPythons(): string[] {
  return [process.env.PIPE_PEER_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
}
