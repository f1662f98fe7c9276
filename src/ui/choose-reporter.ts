// Which reporter `pipe run` uses: the live dashboard only for a person at a terminal.

export type ReporterKind = 'dashboard' | 'plain';

export interface ReporterChoice {
  /** Whether stdout is a terminal (`process.stdout.isTTY`). */
  isTTY: boolean | undefined;
  plain?: boolean;
  json?: boolean;
  /** The CI environment variable as set; CI services set it to `true` or `1`. */
  ci?: string;
}

export function chooseReporter({ isTTY, plain, json, ci }: ReporterChoice): ReporterKind {
  // --json keeps stdout for the one JSON object, so progress goes to stderr as plain lines.
  if (plain || json || !isTTY) return 'plain';
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return 'plain';
  return 'dashboard';
}
