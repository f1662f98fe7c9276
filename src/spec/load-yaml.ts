// Parse one YAML file into plain JSON plus the line:column of every key path, so errors can point at the text.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, Parser, type Node, type YAMLError } from 'yaml';
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
  if (problem) throw syntaxError(problem, text, file, lineCounter);
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

/** A YAML syntax error as a SpecError at the place a person would fix it. */
function syntaxError(problem: YAMLError, text: string, file: string, lineCounter: LineCounter): SpecError {
  const message = `invalid YAML: ${problem.message.split(' at line ')[0].split('\n')[0]}`;
  // The parser notices an unclosed quote only where the input ends; the quote that opened it is the place to fix.
  const openQuote = problem.code === 'MISSING_CHAR' ? unclosedQuoteOffset(text) : undefined;
  const offset = openQuote ?? problem.pos[0];
  const at = lineCounter.linePos(offset);
  const line = text.split('\n')[at.line - 1] ?? '';
  let hint = 'fix the YAML syntax here (closed quotes and brackets, consistent indentation with spaces)';
  if (openQuote !== undefined) hint = 'this quote is never closed; close it on the same value';
  else if (/^ *\t/.test(line)) hint = 'YAML indentation must use spaces, not tabs';
  else if (problem.code === 'DUPLICATE_KEY') hint = 'this key is already written earlier in the same map; keep one';
  return new SpecError(message, { file, line: at.line, column: at.col }, hint);
}

/** Offset of the first quoted scalar that runs to the end of the input without its closing quote. */
function unclosedQuoteOffset(text: string): number | undefined {
  let found: number | undefined;
  const visit = (token: unknown): void => {
    if (found !== undefined || token === null || typeof token !== 'object') return;
    if (Array.isArray(token)) return token.forEach(visit);
    const t = token as { type?: string; offset?: number; source?: string };
    if ((t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar') && t.source !== undefined && !isClosed(t.source)) {
      found = t.offset;
      return;
    }
    Object.values(token).forEach(visit);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return found;
}

function isClosed(quoted: string): boolean {
  const quote = quoted[0];
  if (quoted.length < 2 || !quoted.endsWith(quote)) return false;
  if (quote === "'") return true;
  const backslashes = /\\*$/.exec(quoted.slice(0, -1))![0].length;
  return backslashes % 2 === 0;
}
