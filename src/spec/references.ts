// `${name}` (a params: entry) and `${env.NAME}` references. A string that is exactly one reference takes the
// referenced value with its type; a reference inside a longer string is interpolated.

import { SpecError, type Place } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { didYouMean } from './did-you-mean.js';

const WHOLE = /^\$\{([^}]+)\}$/;
const ANY = /\$\{([^}]+)\}/g;

export interface ReferenceScope {
  params: JsonObject;
  env: Record<string, string | undefined>;
  /** Where each params: entry was written, for errors inside params. */
  paramPlace: (name: string) => Place;
}

export function resolveReferences(value: Json, scope: ReferenceScope, place: Place, stack: string[] = []): Json {
  if (typeof value === 'string') return resolveString(value, scope, place, stack);
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, scope, place, stack));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, scope, place, stack)]));
  }
  return value;
}

function resolveString(text: string, scope: ReferenceScope, place: Place, stack: string[]): Json {
  const whole = WHOLE.exec(text);
  if (whole) return lookup(whole[1].trim(), scope, place, stack);
  return text.replace(ANY, (_, name: string) => {
    const v = lookup(name.trim(), scope, place, stack);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function lookup(name: string, scope: ReferenceScope, place: Place, stack: string[]): Json {
  if (name.startsWith('env.')) {
    const variable = name.slice(4);
    const v = scope.env[variable];
    if (v === undefined || v === '') {
      const usedBy = stack.length ? ` (through \${${stack[0]}})` : '';
      const param = stack[0] ?? variable;
      throw new SpecError(
        `\${${name}}${usedBy}: environment variable ${variable} is not set`,
        place,
        `export ${variable}=... or pass --set ${param}=...`,
      );
    }
    return v;
  }
  if (!Object.hasOwn(scope.params, name)) {
    throw new SpecError(`\${${name}} refers to nothing`, place, `define it under params:; ${didYouMean(name, Object.keys(scope.params))}`);
  }
  if (stack.includes(name)) {
    throw new SpecError(`\${${name}} refers to itself: ${[...stack, name].join(' -> ')}`, place);
  }
  return resolveReferences(scope.params[name], scope, scope.paramPlace(name), [...stack, name]);
}
