// Turn ajv's errors into SpecErrors a person can act on: the position in the file, the key, what is allowed,
// and what was found (`must be integer >= 1, got "ten"`).

import type { ErrorObject } from 'ajv';
import { SpecError, type Place } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { pathKey, pathText, type Path } from './load-yaml.js';

export interface ErrorContext {
  /** Path of the validated value inside the document (e.g. ['stages', 'train', 'params']). */
  base: Path;
  /** The validated value. */
  data: unknown;
  /** Where a path was written; a returned `key` replaces the path's own (an override names its `--set` key). */
  place: (path: Path) => Place;
}

export function schemaErrors(errors: ErrorObject[], ctx: ErrorContext): SpecError[] {
  const out: SpecError[] = [];
  const seen = new Set<string>();
  for (const e of relevant(errors)) {
    const path = [...ctx.base, ...pointerToPath(e.instancePath)];
    let keyPath = path;
    let message: string;
    let hint: string | undefined;
    if (e.keyword === 'additionalProperties') {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      keyPath = [...path, extra];
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      message = `unknown key "${extra}"`;
      hint = didYouMean(extra, allowed);
    } else if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      message = `missing required key "${missing}"`;
    } else if (e.keyword === 'propertyNames' || (e.keyword === 'pattern' && e.propertyName)) {
      const name = e.propertyName ?? '';
      keyPath = [...path, name];
      message = `"${name}" is not a valid name`;
      hint = 'use lowercase letters, digits and _ , starting with a letter';
    } else {
      message = `must be ${describeSchema(e.parentSchema)}, got ${show(valueAt(ctx.data, pointerToPath(e.instancePath)))}`;
    }
    const id = pathKey(keyPath) + '|' + message;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(new SpecError(message, { key: pathText(keyPath), ...ctx.place(keyPath) }, hint));
  }
  // In the order of the text, as a person reads the file (ajv reports by schema keyword).
  return out.sort((a, b) => (a.place.line ?? 0) - (b.place.line ?? 0) || (a.place.column ?? 0) - (b.place.column ?? 0));
}

/** oneOf/anyOf produce one error per branch plus a summary; keep the summary only. */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath);
  return errors.filter((e) => {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') return true;
    if (e.keyword === 'propertyNames') return false;
    return !unions.some((p) => e.instancePath === p || e.instancePath.startsWith(p + '/')) || e.keyword === 'additionalProperties';
  });
}

export function describeSchema(schema: unknown): string {
  if (!schema || typeof schema !== 'object') return 'valid';
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const branches = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (Array.isArray(branches)) return branches.map(describeSchema).join(', or ');
  const parts: string[] = [];
  const type = Array.isArray(s.type) ? s.type.join(' or ') : typeof s.type === 'string' ? s.type : undefined;
  if (type === 'array') {
    const items = s.items ? ` of ${describeSchema(s.items)}` : '';
    parts.push(`a list${items}`);
    if (typeof s.minItems === 'number') parts.push(`with at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  } else if (type === 'object') {
    parts.push('a map');
  } else if (type) {
    parts.push(type);
  }
  if (typeof s.minimum === 'number') parts.push(`>= ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') parts.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number') parts.push(`<= ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') parts.push(`< ${s.exclusiveMaximum}`);
  if (typeof s.minLength === 'number' && s.minLength > 0) parts.push('non-empty');
  if (typeof s.pattern === 'string') parts.push(`matching ${s.pattern}`);
  return parts.join(' ') || 'valid';
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a map';
  return JSON.stringify(value);
}

function pointerToPath(pointer: string): Path {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}
