// Typed errors a user can act on. The CLI prints them as one block; exit code 2 for bad input, 1 for a failed stage.

/** Where a problem is: a spec position, a file path, or a stage name. */
export interface Place {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted key inside a spec, e.g. `stages.train.params.epochs`. */
  key?: string;
  stage?: string;
}

export function formatPlace(place: Place): string {
  const parts: string[] = [];
  if (place.file) {
    let pos = place.file;
    if (place.line !== undefined) pos += `:${place.line}`;
    if (place.line !== undefined && place.column !== undefined) pos += `:${place.column}`;
    parts.push(pos);
  }
  if (place.stage) parts.push(`stage ${place.stage}`);
  if (place.key) parts.push(place.key + ':');
  return parts.join(' ');
}

export abstract class PipeError extends Error {
  abstract readonly code: string;
  /** Process exit code the CLI uses for this error. */
  abstract readonly exitCode: number;
  constructor(
    message: string,
    readonly place: Place = {},
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** One readable block: place, message, hint. */
  describe(): string {
    const where = formatPlace(this.place);
    const head = where ? `${where} ${this.message}` : this.message;
    return this.hint ? `${head}\n  hint: ${this.hint}` : head;
  }
}

/** A problem in a spec or an override: nothing has run. */
export class SpecError extends PipeError {
  readonly code = 'E_SPEC';
  readonly exitCode = 2;
}

/** Several spec problems found at once. */
export class SpecErrors extends PipeError {
  readonly code = 'E_SPEC';
  readonly exitCode = 2;
  constructor(readonly errors: SpecError[]) {
    super(errors.map((e) => e.describe()).join('\n'));
  }
  override describe(): string {
    return this.message;
  }
}

/** Bad or missing input data (a folder, a WAV file, a class set). */
export class DataError extends PipeError {
  readonly code = 'E_DATA';
  readonly exitCode = 2;
}

/** A stage failed while running. */
export class StageError extends PipeError {
  readonly code = 'E_STAGE';
  readonly exitCode = 1;
}

/** experiments.db or the artifact store cannot be used. */
export class StoreError extends PipeError {
  readonly code = 'E_STORE';
  readonly exitCode = 1;
}

/** A command that reads a project was run in a folder that holds none. */
export class NoProjectError extends PipeError {
  readonly code = 'E_NO_PROJECT';
  readonly exitCode = 2;
}

/** The user cancelled (SIGINT, `q`). */
export class CancelledError extends PipeError {
  readonly code = 'E_CANCELLED';
  readonly exitCode = 130;
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** The job queue (Redis, for `--queue` and `pipe worker`) cannot be used: a bad URL, or nothing answers there. */
export class QueueError extends PipeError {
  readonly code = 'E_QUEUE';
  readonly exitCode = 2;
}

/** The operating system refused a file operation (disk full, read-only file system, permission): said in words. */
export class IoError extends PipeError {
  readonly code = 'E_IO';
  readonly exitCode = 1;
}

const SYSTEM_WORDS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  EISDIR: 'a folder where a file was expected',
  ENOTDIR: 'a file where a folder was expected',
  EEXIST: 'already exists',
  ENOTEMPTY: 'the folder is not empty',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on this system',
  EIO: 'the disk reported an input/output error',
  EBUSY: 'the file is busy',
  EXDEV: 'the paths are on different file systems',
  EFBIG: 'the file would exceed the file-size limit (ulimit -f)',
};

const SYSTEM_HINTS: Record<string, string> = {
  ENOSPC: 'free some space (pipe gc removes artifacts no run uses) and run again: finished stages stay cached',
  EDQUOT: 'free some space (pipe gc removes artifacts no run uses) and run again: finished stages stay cached',
  EROFS: 'run pipe in a project folder on a writable disk',
  EACCES: 'check the permissions of the path',
  EPERM: 'check the permissions of the path',
  EMFILE: 'raise the open-file limit (ulimit -n) or run with fewer --jobs',
  ENFILE: 'raise the open-file limit (ulimit -n) or run with fewer --jobs',
  EIO: 'check the disk',
};

/** A Node.js system error (one with an errno code such as ENOSPC) as an IoError in words; else undefined. */
export function systemError(err: unknown): IoError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, path, dest } = err as NodeJS.ErrnoException & { dest?: string };
  const words = typeof code === 'string' ? SYSTEM_WORDS[code] : undefined;
  if (!words) return undefined;
  const where = typeof path === 'string' ? path + (typeof dest === 'string' ? ` -> ${dest}` : '') : undefined;
  return new IoError(where ? `${where}: ${words}` : words, {}, SYSTEM_HINTS[code!]);
}

/** Whether the error means the disk (or quota) is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

export function isPipeError(e: unknown): e is PipeError {
  return e instanceof PipeError;
}
