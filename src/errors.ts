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

/** The user cancelled (SIGINT, `q`). */
export class CancelledError extends PipeError {
  readonly code = 'E_CANCELLED';
  readonly exitCode = 130;
  constructor(message = 'cancelled') {
    super(message);
  }
}

export function isPipeError(e: unknown): e is PipeError {
  return e instanceof PipeError;
}
