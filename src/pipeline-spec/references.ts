// `${name}` (a params: entry) and `${env.NAME}` references. A string that is exactly one reference takes the
// referenced value with its type; a reference inside a longer string is interpolated. Only values a stage
// uses are resolved, so an unset variable behind an overridden or unused params: entry is no error. `${out}` and
// `${inputs.NAME}` are left as written: a command stage fills them in when it runs.

import { SpecError, type Place } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { closest } from './did-you-mean.js';
import { pathText, type Path } from './load-yaml.js';

const WHOLE = /^\$\{([^}]+)\}$/;
const ANY = /\$\{([^}]+)\}/g;

export interface ReferenceScope {
  /** The spec's `params:` after overrides. */
  params: JsonObject;
  env: Record<string, string | undefined>;
  /** Where a path of the spec was written (params entries are at ['params', name]). */
  place: (path: Path) => Place;
}

/** The chain of params entries followed so far, to report cycles and who used an unset variable. */
interface Trail {
  /** Where the value being resolved lives. */
  at: Path;
  /** The stage param that led into params: entries (meaningful once `names` is not empty). */
  usedBy: Path;
  names: string[];
}

/** `value` (found at `at` in the spec) with every reference replaced. */
export function resolveReferences(value: Json, scope: ReferenceScope, at: Path): Json {
  return resolveValue(value, scope, { at, usedBy: at, names: [] });
}

function resolveValue(value: Json, scope: ReferenceScope, trail: Trail): Json {
  if (typeof value === 'string') return resolveString(value, scope, trail);
  if (Array.isArray(value)) return value.map((v, i) => resolveValue(v, scope, { ...trail, at: [...trail.at, i] }));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, scope, { ...trail, at: [...trail.at, k] })]));
  }
  return value;
}

function resolveString(text: string, scope: ReferenceScope, trail: Trail): Json {
  const whole = WHOLE.exec(text);
  if (whole) return lookup(whole[1].trim(), scope, trail);
  return text.replace(ANY, (_, name: string) => {
    const v = lookup(name.trim(), scope, trail);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/** Filled in when the stage runs, not when it is planned: a command stage's output folder and its inputs' folders. */
const RUN_TIME = /^(out|inputs\.[^.]+)$/;

function lookup(name: string, scope: ReferenceScope, trail: Trail): Json {
  if (name.startsWith('env.')) return envValue(name.slice(4), scope, trail);
  if (RUN_TIME.test(name)) return `\${${name}}`;
  if (!Object.hasOwn(scope.params, name)) {
    const known = Object.keys(scope.params);
    const near = closest(name, known);
    const defined = known.length ? `params: defines ${known.join(', ')}` : 'params: defines nothing';
    throw new SpecError(
      `\${${name}} refers to nothing`,
      scope.place(trail.at),
      `${near ? `did you mean \${${near}}? ` : ''}${defined}; add ${name} there, or write \${env.NAME} for an environment variable`,
    );
  }
  if (trail.names.includes(name)) {
    throw new SpecError(`\${${name}} refers to itself: ${[...trail.names, name].join(' -> ')}`, scope.place(trail.at));
  }
  const usedBy = trail.names.length ? trail.usedBy : trail.at;
  return resolveValue(scope.params[name], scope, { at: ['params', name], usedBy, names: [...trail.names, name] });
}

function envValue(variable: string, scope: ReferenceScope, trail: Trail): string {
  const value = scope.env[variable];
  if (value !== undefined && value !== '') return value;
  // The fix a user wants is usually to override the params: entry that reads the variable, or the stage param.
  const setKey = trail.names.length ? trail.names[0] : stageParamKey(trail.at);
  const usedBy = trail.names.length ? ` (used by ${pathText(trail.usedBy)} through \${${trail.names[0]}})` : '';
  throw new SpecError(
    `environment variable ${variable} is not set${usedBy}`,
    scope.place(trail.at),
    `export ${variable}=...${setKey ? ` or pass --set ${setKey}=...` : ''}`,
  );
}

/** `stages.ingest.params.root` → `ingest.root`, the `--set` key for that param. */
function stageParamKey(path: Path): string | undefined {
  return path[0] === 'stages' && path[2] === 'params' && path.length > 3 ? [path[1], ...path.slice(3)].join('.') : undefined;
}
