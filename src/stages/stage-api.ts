// What a user's stage module imports (`import { defineStage } from 'pipe-ml/stage'`): the defineStage and types
// pipe's own stages use, the errors pipe reports as it reports a built-in stage's, and the chunk format that
// train and evaluate read, so that a user's stage can sit between chunk and train.

export { defineStage } from './stage.js';
export type { AnyStage, RunOptions, Stage, StageContext, StageInput, StageResult } from './stage.js';
export type { StageProgress } from '../core/stage-progress.js';
export type { ParamProblem } from '../core/stage-type.js';
export { DataError, StageError } from '../errors.js';
export type { Json, JsonObject } from '../json.js';
export { readChunks, writeChunks, type ChunkDataset, type ChunkWithSamples } from '../dataset/chunk-files.js';
export type { Chunk, ChunkManifest } from '../dataset/types.js';
