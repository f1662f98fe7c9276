// Parse one YAML file into plain JSON plus the line:column of every key path, so errors can point at the text.
// Hostile input is bounded before the document is built: nesting deeper than MAX_NESTING (the parser's composer
// recurses and would overflow the stack), more than MAX_ALIASES aliases, aliases that expand past yaml's own
// resource limit, and numbers JSON cannot hold (.inf, .nan, 1e400) are positioned SpecErrors.

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Parser, type Node, type YAMLError } from 'yaml';
import { SpecError } from '../errors.js';
import { throwAll } from './collect-errors.js';
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

/** Collections inside collections; a spec needs fewer than ten. */
export const MAX_NESTING = 64;
/** `*name` aliases in one file. */
export const MAX_ALIASES = 100;

export function parseYaml(text: string, file: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const at = (offset: number): Position => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  checkShape(text, file);
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) throw syntaxError(problem, text, file, lineCounter);
  const positions: Positions = new Map();
  const notFinite: SpecError[] = [];
  const place = (node: Node | null | undefined, path: Path): void => {
    if (!node?.range) return;
    if (!positions.has(pathKey(path))) positions.set(pathKey(path), at(node.range[0]));
  };
  const checkNumber = (node: unknown, path: Path): void => {
    if (!isScalar(node) || typeof node.value !== 'number' || Number.isFinite(node.value) || !node.range) return;
    notFinite.push(
      new SpecError(
        `${node.source ?? String(node.value)} is not a finite number`,
        { ...at(node.range[0]), key: pathText(path) },
        'a spec holds numbers JSON can hold (cache keys are JSON): write a finite number',
      ),
    );
  };
  const walk = (node: unknown, path: Path): void => {
    checkNumber(node, path);
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
  throwAll(notFinite);
  return { value: toJson(doc, at), positions, text };
}

/** The document as JSON; yaml refuses aliases that expand past its resource limit, and so does pipe. */
function toJson(doc: ReturnType<typeof parseDocument>, at: (offset: number) => Position): Json {
  try {
    return (doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? null) as Json;
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    const alias = firstAliasOffset(doc.contents);
    throw new SpecError(
      'YAML aliases here expand into too large a document',
      alias === undefined ? { file: at(0).file } : at(alias),
      'write the values out, or use fewer aliases of aliases',
    );
  }
}

function firstAliasOffset(root: unknown): number | undefined {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (isAlias(node)) return node.range?.[0];
    if (isMap(node)) for (const pair of node.items) stack.push(pair.value, pair.key);
    else if (isSeq(node)) stack.push(...[...node.items].reverse());
  }
  return undefined;
}

interface CstToken {
  type: string;
  offset: number;
  value?: CstToken;
  items?: { key?: CstToken | null; value?: CstToken | null }[];
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * Nesting depth and alias count from the parser's token tree, walked without recursion: the tree of 20 000 nested
 * brackets is fine to walk, building a document from it is not.
 */
function checkShape(text: string, file: string): void {
  const lines = new LineCounter();
  const at = (offset: number): Position => {
    const pos = lines.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  const stack: [CstToken, number][] = [];
  for (const token of new Parser(lines.addNewLine).parse(text)) stack.push([token as CstToken, 0]);
  let aliases = 0;
  while (stack.length) {
    const [token, outer] = stack.pop()!;
    if (token.type === 'alias' && ++aliases > MAX_ALIASES) {
      throw new SpecError(`more than ${MAX_ALIASES} YAML aliases`, at(token.offset), 'write the values out instead of aliasing them');
    }
    const depth = COLLECTIONS.has(token.type) ? outer + 1 : outer;
    if (depth > MAX_NESTING) {
      throw new SpecError(`lists and maps nested more than ${MAX_NESTING} deep`, at(token.offset), 'a spec needs only a few levels: stages, params, values');
    }
    if (token.value) stack.push([token.value, depth]);
    for (const item of token.items ?? []) {
      if (item.value) stack.push([item.value, depth]);
      if (item.key) stack.push([item.key, depth]);
    }
  }
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
