#!/usr/bin/env node
// The `pipe` command line. Each command's module is imported only when that command runs, so that
// `pipe runs` or a fully cached `pipe run` start fast and never load tfjs.

import { Command, InvalidArgumentError, Option } from 'commander';
import { availableParallelism } from 'node:os';
import type { RunCommandOptions } from './commands/run.js';
import type { TuneCommandOptions } from './commands/tune.js';
import type { WorkerCommandOptions } from './commands/worker.js';
import { isPipeError, systemError } from './errors.js';
import { DEFAULT_MAX_CELLS } from './pipeline-spec/matrix.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function jobsDefault(): number {
  return Math.max(1, availableParallelism());
}

// Thrown as commander's InvalidArgumentError, so that the message names the option and the exit status is 2.
function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number >= 1.');
  return n;
}

function parseDate(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('give a date such as 2026-11-24 or 2026-11-24T18:00.');
  return value;
}

const maxCellsOption = ['--max-cells <n>', `refuse a plan of more cells than this (default ${DEFAULT_MAX_CELLS})`, parsePositiveInt, DEFAULT_MAX_CELLS] as const;

/** The options `run` and `sweep` share. */
function addRunOptions(command: Command): Command {
  return command
    .option('--set <key=value>', 'override a param (repeatable), e.g. --set split.test=0.3', collect, [])
    .option('--jobs <n>', 'stages run at once (default: number of cores)', parsePositiveInt, jobsDefault())
    .option(...maxCellsOption)
    .option('--force <stage>', 're-run this stage and everything after it (repeatable)', collect, [])
    .option('--dry-run', 'print what would run and what is cached, run nothing')
    .option('--verify', 'rehash every cached artifact instead of trusting size/mtime stamps')
    .addOption(new Option('--backend <name>', 'tfjs backend for training').choices(['node', 'wasm', 'cpu']).env('PIPE_BACKEND'))
    .option('--name <name>', 'name this run (look it up by name later)')
    .option('--tag <tag>', 'tag this run (repeatable)', collect, [])
    .option('--json', 'print one JSON summary object on stdout')
    .option('--plain', 'plain line output even on a terminal')
    .addOption(queueOption('run the stages on `pipe worker`s through the Redis at this URL (docs/distributed.md)'));
}

function queueOption(description: string): Option {
  return new Option('--queue <url>', description + ', e.g. redis://127.0.0.1:6379').env('PIPE_QUEUE');
}

async function main(argv: string[]): Promise<number> {
  const program = new Command();
  let exitCode = 0;
  const debug = argv.includes('--debug');
  program
    .name('pipe')
    .description('Declarative, reproducible ML experiment pipelines')
    .option('--debug', 'show stack traces')
    .showHelpAfterError()
    .exitOverride();

  addRunOptions(program.command('run').description('run a spec: every stage not already cached').argument('<spec>', 'YAML spec file')).action(
    async (spec: string, opts: RunCommandOptions) => {
      const { runCommand } = await import('./commands/run.js');
      exitCode = await runCommand(spec, opts);
    },
  );

  addRunOptions(
    program
      .command('sweep')
      .description('run a spec over extra matrix axes from the command line, without editing it')
      .argument('<spec>', 'YAML spec file')
      .option('--param <key=v1,v2,...>', 'a matrix axis (repeatable), e.g. --param split.test=0.1,0.2,0.3', collect, []),
  ).action(async (spec: string, opts: RunCommandOptions) => {
    const { runCommand } = await import('./commands/run.js');
    exitCode = await runCommand(spec, opts);
  });

  program
    .command('tune')
    .description("search the spec's `search:` block on the validation split, then run the chosen configuration on test")
    .argument('<spec>', 'YAML spec file with a search: block')
    .option('--set <key=value>', 'override a param (repeatable)', collect, [])
    .option('--jobs <n>', 'stages run at once (default: number of cores)', parsePositiveInt, jobsDefault())
    .option(...maxCellsOption)
    .option('--trials <n>', "configurations to sample (default: the search block's trials)", parsePositiveInt)
    .option('--dry-run', 'print the trials it would run and how many cells, run nothing')
    .addOption(new Option('--backend <name>', 'tfjs backend for training').choices(['node', 'wasm', 'cpu']).env('PIPE_BACKEND'))
    .option('--name <name>', "name the tune's row in experiments.db")
    .option('--plain', 'plain line output even on a terminal')
    .action(async (spec: string, opts: TuneCommandOptions) => {
      const { tuneCommand } = await import('./commands/tune.js');
      exitCode = await tuneCommand(spec, opts);
    });

  program
    .command('validate')
    .description('check a spec (and overrides) without running anything')
    .argument('<spec>')
    .option('--set <key=value>', 'override a param (repeatable)', collect, [])
    .option(...maxCellsOption)
    .action(async (spec: string, opts: { set: string[]; maxCells: number }) => {
      const { validateCommand } = await import('./commands/inspect.js');
      exitCode = await validateCommand(spec, opts.set, opts.maxCells);
    });

  program
    .command('dag')
    .description('print the plan as a text graph')
    .argument('<spec>')
    .option('--set <key=value>', 'override a param (repeatable)', collect, [])
    .option(...maxCellsOption)
    .action(async (spec: string, opts: { set: string[]; maxCells: number }) => {
      const { dagCommand } = await import('./commands/inspect.js');
      exitCode = await dagCommand(spec, opts.set, opts.maxCells);
    });

  program
    .command('worker')
    .description('run stages queued by `pipe run --queue` on this machine, until stopped (docs/distributed.md)')
    .addOption(queueOption('the Redis of the queue'))
    .option('--concurrency <n>', 'stages run at once (default: number of cores)', parsePositiveInt, jobsDefault())
    .option('--project <dir>', 'the project folder whose artifacts/ the coordinators share (default: this folder)')
    .option('--lock-seconds <n>', "how long a job's lock holds unrenewed: a job of a worker that died is handed on after about twice this", parsePositiveInt, 30)
    .action(async (opts: WorkerCommandOptions) => {
      const { workerCommand } = await import('./commands/worker.js');
      exitCode = await workerCommand(opts);
    });

  program
    .command('workers')
    .description('list the `pipe worker`s following a queue')
    .addOption(queueOption('the Redis of the queue'))
    .option('--json', 'machine-readable output')
    .action(async (opts: { queue?: string; json?: boolean }) => {
      const { workersCommand } = await import('./commands/worker.js');
      exitCode = await workersCommand(opts);
    });

  program
    .command('runs')
    .description('list runs')
    .option('--spec <path>', 'only runs of this spec')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(['running', 'succeeded', 'failed', 'cancelled']))
    .option('--since <date>', 'only runs started after this date (ISO, e.g. 2026-11-24)', parseDate)
    .option('--limit <n>', 'at most this many', parsePositiveInt, 50)
    .option('--json', 'machine-readable output')
    .action(async (opts: { spec?: string; status?: string; since?: string; limit: number; json?: boolean }) => {
      const { runsCommand } = await import('./commands/runs.js');
      exitCode = runsCommand(opts);
    });

  program
    .command('show')
    .description('one run: its stages, keys, timings and metrics')
    .argument('<run>', 'run id, unique id prefix, or name')
    .option('--json', 'machine-readable output')
    .action(async (run: string, opts: { json?: boolean }) => {
      const { showCommand } = await import('./commands/runs.js');
      exitCode = showCommand(run, opts);
    });

  program
    .command('report')
    .description('write one self-contained HTML page for a run (stages, metrics, charts)')
    .argument('<run>', 'run id, unique id prefix, or name')
    .option('--out <file>', 'where to write it (default: report-<run id>.html; - for standard output, writing nothing)')
    .action(async (run: string, opts: { out?: string }) => {
      const { reportCommand } = await import('./commands/report.js');
      exitCode = await reportCommand(run, opts);
    });

  program
    .command('diff')
    .description('what differs between two runs: params, stage keys (and why), metrics')
    .argument('<runA>')
    .argument('<runB>')
    .option('--json', 'machine-readable output')
    .action(async (a: string, b: string, opts: { json?: boolean }) => {
      const { diffCommand } = await import('./commands/diff.js');
      exitCode = diffCommand(a, b, opts);
    });

  program
    .command('export')
    .description('write a folder that reproduces a run elsewhere (resolved spec, overrides, versions, metrics, tables)')
    .argument('<run>', 'run id, unique id prefix, or name')
    .option('--out <dir>', 'where to write it (default: export-<run>)')
    .action(async (run: string, opts: { out?: string }) => {
      const { exportCommand } = await import('./commands/export.js');
      exitCode = exportCommand(run, opts);
    });

  program
    .command('gc')
    .description('remove artifacts no run references (never one a running run uses)')
    .option('--dry-run', 'list what would be removed')
    .action(async (opts: { dryRun?: boolean }) => {
      const { gcCommand } = await import('./commands/gc.js');
      exitCode = await gcCommand(opts);
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err, debug);
  }
}

/**
 * The one place an error becomes output and an exit status. A PipeError is a readable block; a system error
 * (disk full, read-only, permission) is said in words; anything else is a bug in pipe, and the user gets one line
 * asking for a report, its detail only with --debug.
 */
function reportError(err: unknown, debug: boolean): number {
  if (isCommanderExit(err)) return err.exitCode === 0 ? 0 : 2;
  const known = isPipeError(err) ? err : systemError(err);
  if (known) {
    process.stderr.write(`error: ${known.describe()}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    return known.exitCode;
  }
  process.stderr.write('error: pipe stopped on an internal error, a bug in pipe: please report it, with the output of the same command run with --debug\n');
  if (debug) process.stderr.write((err instanceof Error && err.stack ? err.stack : String(err)) + '\n');
  return 1;
}

function isCommanderExit(err: unknown): err is { exitCode: number; code: string } {
  return typeof err === 'object' && err !== null && 'code' in err && String((err as { code: unknown }).code).startsWith('commander.');
}

// `pipe dag SPEC | head`: a reader that closes the pipe early ends pipe as it ends other Unix tools (the exit
// status of a SIGPIPE, 128 + 13), not with an unhandled EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(141);
});

// An error thrown outside the command's own promise (a timer, a stream) still ends in reportError, never in
// Node's default stack trace.
process.on('uncaughtException', (err: unknown) => {
  process.exitCode = reportError(err, process.argv.includes('--debug'));
  process.exit();
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err, process.argv.includes('--debug'));
  },
);
