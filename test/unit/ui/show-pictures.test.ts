import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactPictures } from '../../../src/ui/show-pictures.js';
import { writeReportFixture } from './report-fixture.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pipe-show-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('artifactPictures (pipe show)', () => {
  it('prints each evaluation confusion matrix and each training curves, plain unless colour is asked for', () => {
    const source = writeReportFixture(root);
    const stages = source.getRunStages('run-1');
    const text = artifactPictures(stages, source.getStageResult);
    expect(text).not.toMatch(/\x1b\[/);
    expect(text).toContain('evaluate[train.model=nn]: confusion matrix\ntrue \\ predicted');
    expect(text).toMatch(/^anger\s+7\s+3\s+0\s+0\s+70\.0%$/m);
    expect(text).toContain('train[train.model=cnn_lstm]: 12 epochs');
    expect(text).toMatch(/^ {2}loss {5}█\S{11} 0\.\d{4}$/m);
    expect(artifactPictures(stages, source.getStageResult, { color: true })).toMatch(/\x1b\[48;5;\d+m/);
  });

  it('shows nothing for stages that failed or whose artifact is gone', () => {
    const source = writeReportFixture(root);
    rmSync(join(root, 'artifacts'), { recursive: true });
    expect(artifactPictures(source.getRunStages('run-1'), source.getStageResult)).toBe('');
  });
});
