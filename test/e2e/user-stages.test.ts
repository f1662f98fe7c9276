// A user's own stages through the CLI: the worked example (examples/energy-stage: a module stage and a command
// stage between chunk and train) runs, caches, and re-runs exactly what an edit touches; a failing or hanging
// program fails its stage in words; a broken module is a spec error at `pipe validate`, before anything runs.

import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, parseSummary, pipe, pipeAsync, repoRoot, statusById } from '../helpers/cli.js';

const EXAMPLE = join(repoRoot, 'examples', 'energy-stage');

/** A project holding the example, with pipe installed as `npm install <this repo>` would (a link in node_modules). */
function exampleProject(): string {
  const dir = makeProject('pipe-user-');
  cpSync(EXAMPLE, dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repoRoot, join(dir, 'node_modules', 'pipe-ml'), 'dir');
  return dir;
}

async function run(dir: string, ...args: string[]): Promise<Record<string, string>> {
  const r = await pipe(dir, ['run', 'spec.yaml', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return statusById(parseSummary(r.stdout).stages);
}

const expectStatuses = (statuses: Record<string, string>, ran: string[]) =>
  expect(statuses).toEqual(Object.fromEntries(Object.keys(statuses).map((id) => [id, ran.includes(id) ? 'ran' : 'cached'])));

describe('the worked example: a module stage and a command stage between chunk and train', () => {
  it('runs end to end, caches, and re-runs exactly what an edit of the module, a deps file or a param touches', async () => {
    const dir = exampleProject();
    const first = await pipe(dir, ['run', 'spec.yaml', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const summary = parseSummary(first.stdout);
    expect(summary.stages.map((s) => [s.id, s.status])).toEqual(
      ['ingest', 'normalize', 'split', 'chunk', 'energy', 'scale', 'train', 'evaluate'].map((id) => [id, 'ran']),
    );
    expect(summary.stages.find((s) => s.id === 'energy')!.metrics).toMatchObject({ chunks: 280, frames: 61 });
    const evaluate = summary.stages.find((s) => s.id === 'evaluate')!;
    expect(evaluate.metrics!.files).toBe(28);
    // The command stage's artifact: what the script wrote, its output, the params it was handed.
    const scaleDir = join(dir, 'artifacts', summary.stages.find((s) => s.id === 'scale')!.key);
    expect(existsSync(join(scaleDir, 'chunks.f32'))).toBe(true);
    expect(readFileSync(join(scaleDir, 'pipe-stdout.log'), 'utf8')).toMatch(/^scaled 280 chunks of 61x2 with the mean and std of 168 training chunks\n$/);
    expect(JSON.parse(readFileSync(join(scaleDir, 'pipe-params.json'), 'utf8'))).toEqual({ gain: 1 });

    expectStatuses(await run(dir), []);

    // (a) the module's local import edited: energy and everything after it.
    appendFileSync(join(dir, 'stages', 'frame-energy.js'), '// edited\n');
    expectStatuses(await run(dir), ['energy', 'scale', 'train', 'evaluate']);
    // The module file itself, too.
    appendFileSync(join(dir, 'stages', 'energy.js'), '// edited\n');
    expectStatuses(await run(dir), ['energy', 'scale', 'train', 'evaluate']);

    // (b) a deps file of the command stage: scale and after, not energy.
    appendFileSync(join(dir, 'scale.py'), '# edited\n');
    expectStatuses(await run(dir), ['scale', 'train', 'evaluate']);

    // (c) a param of the command stage.
    expectStatuses(await run(dir, '--set', 'scale.gain=2'), ['scale', 'train', 'evaluate']);
    expectStatuses(await run(dir, '--set', 'scale.gain=2'), []);
  }, 180_000);
});

const CHUNKED = `name: commands
stages:
  ingest: { type: ingest, params: { format: synthetic, count: 14, minSeconds: 1, maxSeconds: 1, sampleRate: 8000 } }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 8000 } }
  split: { type: split, needs: [normalize], params: { val: 0.2, test: 0.2 } }
  chunk: { type: chunk, needs: [split], params: { length: 4000 } }
`;

function commandProject(stages: string): string {
  const dir = makeProject('pipe-command-');
  writeFileSync(join(dir, 'spec.yaml'), CHUNKED + stages);
  return dir;
}

/** True while a process of this pid runs (a zombie waiting for its parent to reap it has ended). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) [ZX]/.test(stat);
}

async function endedSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((res) => setTimeout(res, 100));
  return !alive(pid);
}

describe('command stages that fail', () => {
  it('a non-zero exit fails the stage with its status and the tail of stderr; dependants are skipped, the rest goes on', async () => {
    const dir = commandProject(`  bad:
    type: command
    needs: [chunk]
    params:
      run: [python3, -c, "import sys; print('reading', sys.argv[1]); print('ValueError: no frames in chunk 3', file=sys.stderr); sys.exit(3)", '\${inputs.chunk}']
  after: { type: command, needs: [bad], params: { run: [python3, -c, "pass"] } }
  good: { type: command, needs: [chunk], params: { run: [python3, -c, "print('fine')"] } }
`);
    const r = await pipe(dir, ['run', 'spec.yaml', '--json']);
    expect(r.code).toBe(1);
    const statuses = statusById(parseSummary(r.stdout).stages);
    expect(statuses).toMatchObject({ chunk: 'ran', bad: 'failed', after: 'skipped', good: 'ran' });
    expect(r.stderr).toContain('error: stage bad failed: stage bad python3 -c');
    expect(r.stderr).toMatch(/exited with status 3; last lines of stderr:\n {4}ValueError: no frames in chunk 3\n {2}hint: its whole output is in \S+pipe-stdout\.log and \S+pipe-stderr\.log/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('a hanging program is ended at its timeout, with everything it started; the error names the stage and the timeout', async () => {
    const dir = commandProject(`  hang:
    type: command
    needs: [chunk]
    params:
      run: [sh, -c, 'sleep 300 & echo $! > sleeper.pid; echo waiting >&2; wait']
      timeout: 1
`);
    const t0 = Date.now();
    const r = await pipe(dir, ['run', 'spec.yaml', '--json']);
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/error: stage hang failed: stage hang sh -c "sleep 300 & .*" did not finish within its timeout of 1 s and was ended; last lines of stderr:\n {4}waiting\n {2}hint: raise timeout/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const sleeper = Number(readFileSync(join(dir, 'sleeper.pid'), 'utf8'));
    expect(await endedSoon(sleeper)).toBe(true);
  }, 60_000);

  it('Ctrl-C ends the program and what it started; the run is cancelled', async () => {
    const dir = commandProject(`  hang:
    type: command
    needs: [chunk]
    params: { run: [sh, -c, 'sleep 300 & echo $! > sleeper.pid; wait'] }
`);
    const child = pipeAsync(dir, ['run', 'spec.yaml', '--plain']);
    const pidFile = join(dir, 'sleeper.pid');
    for (let i = 0; i < 300 && !(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()); i++) await new Promise((r) => setTimeout(r, 100));
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(sleeper)).toBe(true);
    child.child.kill('SIGINT');
    const r = await child.done;
    expect(r.code).toBe(130);
    expect(await endedSoon(sleeper)).toBe(true);
  }, 60_000);
});

describe('pipe validate reports a broken module stage at its type: line, before anything runs', () => {
  const spec = (type: string) => `name: broken\nstages:\n  chunkless:\n    type: ingest\n    params: { format: synthetic }\n  energy:\n    type: ${type}\n    needs: [chunkless]\n`;

  async function validate(files: Record<string, string>, type: string) {
    const dir = makeProject('pipe-module-');
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    writeFileSync(join(dir, 'spec.yaml'), spec(type));
    const r = await pipe(dir, ['validate', 'spec.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(dir, 'experiments.db'))).toBe(false);
    return r.stderr;
  }

  it('a module that does not exist', async () => {
    expect(await validate({}, './stages/nothing.js')).toMatch(
      /^error: spec\.yaml:7:5 stages\.energy\.type: stage module \.\/stages\/nothing\.js does not exist \(no file \S+\/stages\/nothing\.js\)\n {2}hint: the path is relative to the spec file that names it \(spec\.yaml\)\n$/,
    );
  });

  it('a module that does not export a stage', async () => {
    const stderr = await validate({ 'stages/helper.js': 'export const answer = 42;\n' }, './stages/helper.js');
    expect(stderr).toMatch(/^error: spec\.yaml:7:5 stages\.energy\.type: stage module \.\/stages\/helper\.js does not export a stage: it has no default export\n {2}hint: export default defineStage\(/);
  });

  it('a module whose params schema is invalid', async () => {
    const module = `export default { type: 'energy', version: 1, usesSeed: false, scope: 'cell', paramsSchema: { type: 'objekt' }, async run() { return {}; } };\n`;
    const stderr = await validate({ 'stages/energy.js': module }, './stages/energy.js');
    expect(stderr).toMatch(/^error: spec\.yaml:7:5 stages\.energy\.type: stage module \.\/stages\/energy\.js does not export a stage: paramsSchema is not a valid JSON Schema: schema is invalid: data\/type must be equal to one of the allowed values/);
  });

  it('a module that declares the name of a built-in stage', async () => {
    const module = `export default { type: 'chunk', version: 1, usesSeed: false, scope: 'cell', paramsSchema: { type: 'object' }, async run() { return {}; } };\n`;
    expect(await validate({ 'stages/chunk.js': module }, './stages/chunk.js')).toMatch(/stages\.energy\.type: stage module \.\/stages\/chunk\.js declares type "chunk", the name of a built-in stage/);
  });
});
