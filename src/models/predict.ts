// Placeholder until the model code lands: evaluate imports `predictFiles` from here. Replace this file whole.

import { StageError } from '../errors.js';

export async function predictFiles(
  modelDir: string,
  chunkDir: string,
  split: 'test' | 'val' | 'train',
  options: { backend?: string },
): Promise<{ classes: string[]; backend: string; files: { utterance: string; speaker: string; label: number; probs: number[] }[] }> {
  void [modelDir, chunkDir, split, options];
  throw new StageError('predictFiles is not available yet');
}
