// Command: any program as a stage, so that Python, R or shell code can sit in a pipeline. `run` is an argv list
// (never a shell string: write `sh -c` for one), started in the project folder with `${out}` and `${inputs.NAME}`
// filled in. The stage's other params reach the program as a JSON file (PIPE_PARAMS) and as PIPE_PARAM_<NAME>
// variables; the contents of `deps` enter the cache key. The folder `${out}` becomes the artifact, with the
// program's stdout and stderr beside what it wrote. The program runs in its own process group, which is ended
// as a whole on a timeout, on Ctrl-C and on cancel; a non-zero exit fails the stage with the last lines of stderr.

import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, StageError } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { defineStage, type StageContext, type StageInput } from './stage.js';

export interface CommandParams {
  run: string[];
  deps: string[];
  /** Seconds; none = no limit. */
  timeout?: number;
  [param: string]: Json | undefined;
}

/** pipe's own files in the artifact, beside what the program writes. */
export const COMMAND_FILES = { params: 'pipe-params.json', stdout: 'pipe-stdout.log', stderr: 'pipe-stderr.log' } as const;

/** Params that configure the stage itself; every other param is the program's. */
const OWN_PARAMS = ['run', 'deps', 'timeout'];
/** Lines of stderr quoted when the program fails. */
const TAIL_LINES = 15;
/** Output lines sent to the dashboard per run; the rest only go to the log files. */
const STREAMED_LINES = 2000;
/** After SIGTERM, how long the process group has to exit before SIGKILL. */
const GRACE_MS = 3000;

export const commandStage = defineStage<CommandParams>({
  type: 'command',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    required: ['run'],
    properties: {
      run: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'argv: the program and its arguments; ${out} and ${inputs.NAME} are filled in' },
      deps: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'files or folders (relative to the project folder) whose contents enter the cache key' },
      timeout: { type: 'number', exclusiveMinimum: 0, description: 'seconds before the program is ended and the stage fails' },
    },
  },
  fileParams: (params) => (Array.isArray(params.deps) ? params.deps.map((_, i) => ['deps', i]) : []),
  async run(ctx) {
    const argv = ctx.params.run.map((arg) => fillIn(arg, ctx));
    const programParams = Object.fromEntries(Object.entries(ctx.params).filter(([k]) => !OWN_PARAMS.includes(k))) as JsonObject;
    const paramsFile = join(ctx.outDir, COMMAND_FILES.params);
    await writeFile(paramsFile, JSON.stringify(programParams, null, 2) + '\n');
    const env = { ...process.env, ...pipeEnv(ctx, paramsFile, programParams) };
    // The logs are written to the scratch folder, which outlives a failed run, so the user can read all of them.
    const logs = { stdout: join(ctx.scratchDir, COMMAND_FILES.stdout), stderr: join(ctx.scratchDir, COMMAND_FILES.stderr) };
    const exit = await runProgram(argv, env, ctx, logs);
    if (ctx.signal.aborted) throw new CancelledError();
    if (exit.timedOut) {
      throw new StageError(
        `${commandText(argv)} did not finish within its timeout of ${ctx.params.timeout} s and was ended${stderrTail(exit.tail)}`,
        { stage: ctx.name },
        `raise timeout, or see why it hangs; its whole output is in ${logs.stdout} and ${logs.stderr}`,
      );
    }
    if (exit.code !== 0) {
      const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
      throw new StageError(`${commandText(argv)} ${how}${stderrTail(exit.tail)}`, { stage: ctx.name }, `its whole output is in ${logs.stdout} and ${logs.stderr}`);
    }
    await copyFile(logs.stdout, join(ctx.outDir, COMMAND_FILES.stdout));
    await copyFile(logs.stderr, join(ctx.outDir, COMMAND_FILES.stderr));
    return { metrics: { seconds: Math.round(exit.ms) / 1000 }, info: { argv } };
  },
});

/** `${out}` → the artifact folder, `${inputs.NAME}` → that input's artifact folder. */
function fillIn(arg: string, ctx: StageContext<CommandParams>): string {
  return arg.replace(/\$\{\s*(out|inputs\.[^}\s]+)\s*\}/g, (_, name: string) => {
    if (name === 'out') return ctx.outDir;
    return inputNamed(name.slice('inputs.'.length), ctx.inputs, ctx.name).dir;
  });
}

function inputNamed(name: string, inputs: readonly StageInput[], stage: string): StageInput {
  const input = inputs.find((i) => i.name === name);
  if (input) return input;
  const names = inputs.map((i) => i.name);
  throw new StageError(
    `run refers to \${inputs.${name}}, which is not one of its inputs`,
    { stage },
    names.length ? `its inputs (needs) are: ${names.join(', ')}` : 'add the stage to its `needs`',
  );
}

/** What the program learns from its environment: where its params, inputs and output folder are. */
function pipeEnv(ctx: StageContext<CommandParams>, paramsFile: string, params: JsonObject): Record<string, string> {
  const env: Record<string, string> = { PIPE_PARAMS: paramsFile, PIPE_OUT: ctx.outDir, PIPE_STAGE: ctx.name };
  for (const input of ctx.inputs) env[`PIPE_INPUT_${envName(input.name)}`] = input.dir;
  for (const [name, value] of Object.entries(params)) {
    env[`PIPE_PARAM_${envName(name)}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

const envName = (name: string): string => name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase();

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The last lines of stderr. */
  tail: string[];
  ms: number;
}

/** Runs argv in its own process group, logging and streaming its output, until it exits or is ended. */
async function runProgram(argv: string[], env: NodeJS.ProcessEnv, ctx: StageContext<CommandParams>, logs: { stdout: string; stderr: string }): Promise<Exit> {
  // Imported here, not at the top: planning and a cached run load this file for its definition only.
  const { spawn } = await import('node:child_process');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // detached: a process group of its own, so that ending it also ends what it started (a shell's children).
    const child = spawn(argv[0], argv.slice(1), { cwd: ctx.options.projectDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const files = { stdout: createWriteStream(logs.stdout), stderr: createWriteStream(logs.stderr) };
    const tail: string[] = [];
    let streamed = 0;
    const stream = (line: string): void => {
      streamed += 1;
      if (streamed <= STREAMED_LINES) ctx.report({ kind: 'log', level: 'info', message: line });
      else if (streamed === STREAMED_LINES + 1) ctx.report({ kind: 'log', level: 'info', message: `(further output only in ${logs.stdout} and ${logs.stderr})` });
    };
    forEachLine(child.stdout!, files.stdout, stream);
    forEachLine(child.stderr!, files.stderr, (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      stream(line);
    });
    let timedOut = false;
    const end = (): void => endGroup(child);
    const timer = ctx.params.timeout === undefined ? undefined : setTimeout(() => ((timedOut = true), end()), ctx.params.timeout * 1000);
    ctx.signal.addEventListener('abort', end, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', end);
      const why = err.code === 'ENOENT' ? 'no such program' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new StageError(`cannot start ${argv[0]}: ${why}`, { stage: ctx.name }, 'run[0] must be a program on PATH or a path from the project folder'));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', end);
      void Promise.all([closeStream(files.stdout), closeStream(files.stderr)]).then(
        () => resolve({ code, signal, timedOut, tail, ms: performance.now() - started }),
        reject,
      );
    });
  });
}

/** SIGTERM to the whole group, SIGKILL to whatever is left after a grace period. */
function endGroup(child: ChildProcess): void {
  const kill = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is already gone.
    }
  };
  kill('SIGTERM');
  setTimeout(() => kill('SIGKILL'), GRACE_MS).unref();
}

function forEachLine(source: NodeJS.ReadableStream, log: WriteStream, onLine: (line: string) => void): void {
  let partial = '';
  source.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) onLine(line.replace(/\r$/, ''));
  });
  source.on('end', () => {
    if (partial) onLine(partial);
  });
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

function commandText(argv: string[]): string {
  const shown = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  return shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
}

function stderrTail(lines: string[]): string {
  const kept = lines.filter((l) => l.trim() !== '');
  return kept.length ? `; last lines of stderr:\n${kept.map((l) => `    ${l}`).join('\n')}` : ' (no stderr output)';
}
