// Parse one YAML file into plain JSON plus the line:column of every key path, so errors can point at the text.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { SpecError } from '../errors.js';
import type { Json } from '../json.js';

/** Path segments into a document: object keys and array indices. */
export type Path = (string | number)[];

export const pathKey = (path: Path): string => path.join('\u0001');
export const pathText = (path: Path): string => path.map(String).join('.');

export interface Position {
  file: string;
  line: number;
  column: number;
}

/** Where each path was written; a path's entry points at its key (for map entries) or its value. */
export type Positions = Map<string, Position>;

export interface LoadedYaml {
  value: Json;
  positions: Positions;
  text: string;
}

export function parseYaml(text: string, file: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const at = lineCounter.linePos(problem.pos[0]);
    const firstLine = problem.message.split('\n')[0];
    const hint = /tab/i.test(text.split('\n')[at.line - 1] ?? '') && /\t/.test(text)
      ? 'YAML indentation must use spaces, not tabs'
      : 'fix the YAML syntax at this position (quotes closed, consistent indentation with spaces)';
    throw new SpecError(`invalid YAML: ${firstLine}`, { file, line: at.line, column: at.col }, hint);
  }
  const positions: Positions = new Map();
  const place = (node: Node | null | undefined, path: Path): void => {
    if (!node?.range) return;
    const at = lineCounter.linePos(node.range[0]);
    if (!positions.has(pathKey(path))) positions.set(pathKey(path), { file, line: at.line, column: at.col });
  };
  const walk = (node: unknown, path: Path): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        place(pair.key as Node, [...path, key]);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        place(item as Node, [...path, i]);
        walk(item, [...path, i]);
      });
    }
  };
  place(doc.contents as Node, []);
  walk(doc.contents, []);
  const value = (doc.toJS({ maxAliasCount: 100 }) ?? null) as Json;
  return { value, positions, text };
}
