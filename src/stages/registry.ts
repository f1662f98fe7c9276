// Every stage type, by name. Adding a stage is one file in this folder and one line here.
// Stage modules must not import heavy libraries (tfjs), or code only `run` needs, at top level: planning and a
// cached run load them all for their definitions.

import { chunkStage } from './chunk.js';
import { commandStage } from './command.js';
import { compareStage } from './compare.js';
import { ensembleStage } from './ensemble.js';
import { evaluateStage } from './evaluate.js';
import { featuresStage } from './features.js';
import { ingestStage } from './ingest.js';
import { normalizeStage } from './normalize.js';
import { splitStage } from './split.js';
import type { AnyStage } from './stage.js';
import { trainStage } from './train.js';

export const stageRegistry: ReadonlyMap<string, AnyStage> = new Map(
  [ingestStage, normalizeStage, splitStage, chunkStage, featuresStage, trainStage, evaluateStage, ensembleStage, compareStage, commandStage].map((s) => [s.type, s]),
);
