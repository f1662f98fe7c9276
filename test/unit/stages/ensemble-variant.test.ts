// An ensemble of members whose features were standardised per speaker carries the speaker-normalised variant, so
// compare labels its row as it labels the members' rows.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensembleStage } from '../../../src/stages/ensemble.js';
import { makeStageContext, tempDir } from '../../helpers/stage-context.js';

/** An evaluate artifact of two files, all right, with `protocolVariant` where given. */
function member(name: string, variant?: string): string {
  const dir = join(tempDir(), name);
  mkdirSync(dir);
  const base = { kind: 'evaluation', split: 'test', model: name, protocol: 'speaker-independent', testSpeakers: ['03'], backend: 'wasm', accuracy: 1, ua: 1, macroF1: 1 };
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(variant === undefined ? base : { ...base, protocolVariant: variant }));
  const files = [
    { utterance: 'f1', speaker: '03', label: 0, predicted: 0, probs: [0.8, 0.2] },
    { utterance: 'f2', speaker: '03', label: 1, predicted: 1, probs: [0.3, 0.7] },
  ];
  writeFileSync(join(dir, 'predictions.json'), JSON.stringify({ kind: 'predictions', split: 'test', classes: ['anger', 'neutral'], files }));
  return dir;
}

async function ensembleOf(variants: (string | undefined)[]): Promise<Record<string, unknown>> {
  const names = variants.map((_, i) => `evaluate_${i}`);
  const ctx = makeStageContext(ensembleStage, {}, { inputs: variants.map((v, i) => member(names[i], v)), name: 'ensemble' });
  ctx.inputs.forEach((input, i) => Object.assign(input, { type: 'evaluate', name: names[i] }));
  await ensembleStage.run(ctx);
  return JSON.parse(readFileSync(join(ctx.outDir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
}

describe('ensemble protocol variant', () => {
  it('records speaker-normalised when a member has it, and nothing when none has', async () => {
    expect(await ensembleOf(['speaker-normalised', 'speaker-normalised'])).toMatchObject({ protocol: 'speaker-independent', protocolVariant: 'speaker-normalised' });
    expect(await ensembleOf([undefined, 'speaker-normalised'])).toMatchObject({ protocolVariant: 'speaker-normalised' });
    expect(await ensembleOf([undefined, undefined])).not.toHaveProperty('protocolVariant');
  });
});
