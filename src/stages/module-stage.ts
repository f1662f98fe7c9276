// What makes a user's stage module's default export a stage: the fields every built-in stage has (defineStage's
// Stage), of the right kinds, and a params schema ajv can compile. Checked when pipe loads the module, so that a
// wrong export is a spec error at `pipe validate`, not a crash halfway through a run.

import type { Ajv } from 'ajv';
import { createRequire } from 'node:module';
import type { AnyStage } from './stage.js';

/** The type names a module stage may declare: they appear in stage ids, the dashboard and `pipe show`. */
const TYPE_NAME = /^[a-z][a-z0-9_-]*$/;

let ajv: Ajv | undefined;

/** The problems that keep `value` from being a stage (empty when it is one). */
export function stageProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object') {
    return [value === undefined ? 'it has no default export' : `its default export is ${typeof value === 'function' ? 'a function' : JSON.stringify(value)}, not a stage`];
  }
  const stage = value as Partial<Record<keyof AnyStage, unknown>>;
  const problems: string[] = [];
  if (typeof stage.type !== 'string' || !TYPE_NAME.test(stage.type)) problems.push(`type must be a name such as "energy" (lower case, digits, - and _), got ${JSON.stringify(stage.type)}`);
  if (!Number.isInteger(stage.version)) problems.push(`version must be an integer, got ${JSON.stringify(stage.version)}`);
  if (typeof stage.usesSeed !== 'boolean') problems.push(`usesSeed must be true or false, got ${JSON.stringify(stage.usesSeed)}`);
  if (stage.scope !== 'cell' && stage.scope !== 'plan') problems.push(`scope must be "cell" or "plan", got ${JSON.stringify(stage.scope)}`);
  if (typeof stage.run !== 'function') problems.push('run must be a function (an async run(ctx))');
  if (stage.code !== undefined && !(Array.isArray(stage.code) && stage.code.every((c) => typeof c === 'string'))) problems.push('code must be a list of paths');
  problems.push(...schemaProblems(stage.paramsSchema));
  return problems;
}

function schemaProblems(schema: unknown): string[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return [`paramsSchema must be a JSON Schema object, got ${JSON.stringify(schema)}`];
  try {
    // Made (and Ajv loaded) on first use: planning a spec without module stages should not pay for Ajv.
    ajv ??= new (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv({ strict: false });
    ajv.compile(schema);
    return [];
  } catch (err) {
    return [`paramsSchema is not a valid JSON Schema: ${(err as Error).message}`];
  }
}
