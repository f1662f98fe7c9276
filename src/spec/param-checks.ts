// Checks across several params of one stage, which a JSON Schema cannot express.

import type { JsonObject } from '../json.js';
import { LOSO_SPEAKERS } from '../stages/split.js';

export interface CrossFieldProblem {
  message: string;
  /** Param path relative to the stage's params. */
  path: string[];
  hint?: string;
}

type Check = (params: JsonObject) => CrossFieldProblem[];

const CHECKS: Record<string, Check> = {
  split(params) {
    if (params.folds === 'loso') return losoProblems(params);
    const stray = ['fold', 'speakers'].find((k) => params[k] !== undefined);
    if (stray) {
      return [{ message: `${stray} applies only with folds: loso`, path: [stray], hint: 'set folds: loso (leave one speaker out, with by: speaker), or leave it out' }];
    }
    const val = Number(params.val ?? 0);
    const test = Number(params.test ?? 0);
    if (params.train === undefined) {
      return 1 - val - test > 1e-9
        ? []
        : [{ message: `val + test = ${round(val + test)} leaves nothing to train on`, path: ['test'], hint: 'val + test must be below 1 (train is 1 - val - test)' }];
    }
    const sum = Number(params.train) + val + test;
    return Math.abs(sum - 1) <= 1e-6
      ? []
      : [{ message: `train + val + test must sum to 1, got ${round(sum)}`, path: ['train'], hint: 'or leave train out: it is then 1 - val - test' }];
  },
  ingest(params) {
    if (params.format === 'emodb' && typeof params.root !== 'string') {
      return [{ message: 'format emodb needs root: the folder of EMO-DB .wav files', path: [], hint: 'set root (or data.root), e.g. --set data.root=/path/to/emodb/wav' }];
    }
    if (Number(params.minSeconds) > Number(params.maxSeconds)) {
      return [{ message: `minSeconds ${params.minSeconds} is above maxSeconds ${params.maxSeconds}`, path: ['minSeconds'] }];
    }
    return [];
  },
  train(params) {
    if ((params.plateauFactor === undefined) !== (params.plateauPatience === undefined)) {
      const given = params.plateauFactor === undefined ? 'plateauPatience' : 'plateauFactor';
      return [{ message: 'plateauFactor and plateauPatience go together', path: [given], hint: 'set both (e.g. plateauFactor: 0.5, plateauPatience: 4) or neither' }];
    }
    return [];
  },
  chunk(params) {
    if (params.hop !== undefined && Number(params.hop) > Number(params.length)) {
      return [{ message: `hop ${params.hop} is longer than length ${params.length}: samples would be skipped`, path: ['hop'], hint: 'hop <= length' }];
    }
    return [];
  },
};

/** Leave-one-speaker-out ignores the ratios; it needs whole speakers and a fold within the speaker count. */
function losoProblems(params: JsonObject): CrossFieldProblem[] {
  const problems: CrossFieldProblem[] = [];
  if (params.by !== 'speaker') {
    problems.push({ message: `folds: loso leaves one speaker out per fold, so it needs by: speaker, got by: ${String(params.by)}`, path: ['folds'], hint: 'set by: speaker (train/val/test ratios are ignored with folds: loso)' });
  }
  const speakers = Number(params.speakers ?? LOSO_SPEAKERS);
  if (params.fold !== undefined && Number(params.fold) > speakers) {
    problems.push({ message: `fold ${params.fold} is above speakers ${speakers}`, path: ['fold'], hint: `folds run 1..${speakers}; set speakers to the data's speaker count` });
  }
  return problems;
}

export function crossFieldErrors(type: string, params: JsonObject): CrossFieldProblem[] {
  return CHECKS[type]?.(params) ?? [];
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;
