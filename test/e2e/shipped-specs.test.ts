// Every spec the repository ships in experiments/ plans as written (schema, stage params, matrix, search block), so
// the commands the README gives for them cannot drift from the code. `pipe validate` reads no data.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, pipe, repoRoot } from '../helpers/cli.js';

const SPECS = readdirSync(join(repoRoot, 'experiments')).filter((f) => f.endsWith('.yaml'));

describe('shipped experiment specs', () => {
  it('include the tuned search', () => {
    expect(SPECS).toContain('tuned.yaml');
  });

  it.each(SPECS)('experiments/%s validates', async (spec) => {
    const project = makeProject('pipe-shipped-');
    const result = await pipe(project, ['validate', join('experiments', spec)], { EMODB_ROOT: join(project, 'no-data-needed') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`experiments/${spec.replace('.', '\\.')}: ok \\(\\d+ stage instances, \\d+ cells`));
  });
});
