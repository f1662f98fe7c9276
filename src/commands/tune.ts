// `pipe tune SPEC`: search the spec's `search:` block on the validation split, then run the chosen configuration
// on test (docs/tune.md).

import { SpecError } from '../errors.js';

/** `pipe tune`'s options, as commander parses them. */
export interface TuneCommandOptions {
  set: string[];
  jobs: number;
  maxCells: number;
  trials?: number;
  dryRun?: boolean;
  backend?: 'node' | 'wasm' | 'cpu';
  name?: string;
  plain?: boolean;
}

export async function tuneCommand(specPath: string, _opts: TuneCommandOptions): Promise<number> {
  throw new SpecError('pipe tune is not implemented yet', { file: specPath });
}
