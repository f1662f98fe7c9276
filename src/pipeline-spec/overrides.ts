// `--set key=value` and matrix keys: parse the value as YAML (typed), and find the spot in the spec it sets.
// `STAGE.PARAM[.SUB]` sets a stage's param; otherwise the key must be a `params:` entry, `seed` or `repeat`.

import { parse as parseYamlValue } from 'yaml';
import type { StageType } from '../core/stage-type.js';
import { SpecError, type Place } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { closest } from './did-you-mean.js';
import type { Path } from './load-yaml.js';
import type { SpecFile } from './spec-schema.js';

export interface Override {
  key: string;
  value: Json;
}

export function parseOverride(raw: string, flag: '--set' | '--param' = '--set'): Override {
  const eq = raw.indexOf('=');
  if (eq <= 0) {
    throw new SpecError(`--set ${raw}: expected key=value`, { file: '--set' }, 'for example --set split.test=0.3');
  }
  const key = raw.slice(0, eq).trim();
  const text = raw.slice(eq + 1);
  let value: Json;
  try {
    value = (text.trim() === '' ? '' : parseYamlValue(text)) as Json;
  } catch {
    value = text;
  }
  const bad = firstNonFinite(value);
  if (bad !== undefined) {
    const what = typeof value === 'number' ? 'is not a finite number' : `holds ${bad}, which is not a finite number`;
    throw new SpecError(`${text.trim()} ${what}`, { file: flag, key }, 'write a finite number: cache keys are JSON, which cannot hold it');
  }
  return { key, value };
}

/** The first number in `value` that JSON cannot hold (Infinity from 1e400 or .inf, NaN from .nan). */
function firstNonFinite(value: Json): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : value;
  if (value === null || typeof value !== 'object') return undefined;
  for (const v of Object.values(value)) {
    const bad = firstNonFinite(v);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/** `key=v1,v2,...` from `pipe sweep --param`: each value parsed as YAML. */
export function parseSweepParam(raw: string): { key: string; values: Json[] } {
  const { key, value } = parseOverride(raw, '--param');
  const text = raw.slice(raw.indexOf('=') + 1);
  const values = Array.isArray(value) ? value : text.split(',').map((v) => parseOverride(`${key}=${v.trim()}`, '--param').value);
  if (!values.length || text.trim() === '') {
    throw new SpecError(`--param ${raw}: expected key=value1,value2,...`, { file: '--param' }, 'for example --param split.test=0.1,0.2,0.3');
  }
  return { key, values };
}

/** Where `key` points in the spec, or a SpecError naming the key and the nearest valid one. */
export function overrideTarget(doc: SpecFile, key: string, stages: ReadonlyMap<string, StageType>, place: Place): Path {
  if (key === 'seed' || key === 'repeat') return [key];
  if (doc.params && Object.hasOwn(doc.params, key)) return ['params', key];
  const [stageName, ...rest] = key.split('.');
  const stage = doc.stages?.[stageName];
  if (stage && rest.length) {
    const type = stage.type ? stages.get(stage.type) : undefined;
    const known = new Set([...Object.keys(stage.params ?? {}), ...Object.keys((type?.paramsSchema.properties ?? {}) as JsonObject)]);
    if (known.has(rest[0])) return ['stages', stageName, 'params', ...rest];
    const near = closest(rest[0], known);
    throw new SpecError(
      `stage ${stageName} has no param "${rest[0]}"`,
      { ...place, key },
      near ? `did you mean ${stageName}.${near}? (params: ${[...known].join(', ')})` : `params: ${[...known].join(', ')}`,
    );
  }
  const candidates = [
    'seed',
    'repeat',
    ...Object.keys(doc.params ?? {}),
    ...Object.entries(doc.stages ?? {}).flatMap(([name, s]) => {
      const type = s.type ? stages.get(s.type) : undefined;
      return Object.keys((type?.paramsSchema.properties ?? s.params ?? {}) as JsonObject).map((p) => `${name}.${p}`);
    }),
  ];
  const near = closest(key, candidates);
  throw new SpecError(
    'no such key in the spec',
    { ...place, key },
    `${near ? `did you mean ${near}? ` : ''}keys are STAGE.PARAM (e.g. split.test), a params: entry, seed or repeat`,
  );
}

/** Sets `value` at `path`, creating maps on the way; `doc` is modified. */
export function setAt(doc: JsonObject, path: Path, value: Json): void {
  let node: JsonObject = doc;
  for (const seg of path.slice(0, -1)) {
    const next = node[String(seg)];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[String(seg)] = {};
    node = node[String(seg)] as JsonObject;
  }
  node[String(path[path.length - 1])] = value;
}

/** Removes the value at `path`, if there is one. */
export function deleteAt(doc: JsonObject, path: Path): void {
  let node: Json = doc;
  for (const seg of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    node = (node as JsonObject)[String(seg)];
  }
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) delete (node as JsonObject)[String(path[path.length - 1])];
}
