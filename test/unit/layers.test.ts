// The layers of docs/architecture.md hold: every relative import in src/ goes to the same folder or a layer below.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Top to bottom, as docs/architecture.md lists them; folders on one line may not import each other. */
const LAYERS: readonly string[][] = [
  ['cli.ts', 'bench'],
  ['commands'],
  ['ui'],
  ['tune'],
  ['runner'],
  ['pipeline-spec'],
  ['store'],
  ['stages'],
  ['render'],
  ['metrics', 'charts'],
  ['references'],
  ['models'],
  ['dataset'],
  ['audio'],
  ['core'],
  ['errors.ts', 'json.ts'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** `stages` for src/stages/split.ts, `cli.ts` for src/cli.ts. */
const layerOf = (file: string): string => relative(SRC, file).split('/')[0].replace(/\.js$/, '.ts');

/** Relative imports, static and dynamic, as the folder or top-level file they point into. */
function importedLayers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => layerOf(resolve(dirname(file), s)));
}

describe('layers', () => {
  const files = sourceFiles(SRC);

  it('every folder and top-level file of src/ has a layer', () => {
    const unplaced = [...new Set(files.map(layerOf))].filter((l) => !LAYERS.some((line) => line.includes(l)));
    expect(unplaced).toEqual([]);
  });

  it('imports go only downward (or within a folder)', () => {
    const level = (l: string) => LAYERS.findIndex((line) => line.includes(l));
    const upward = files.flatMap((f) =>
      importedLayers(f)
        .filter((to) => to !== layerOf(f) && level(to) <= level(layerOf(f)))
        .map((to) => `${relative(SRC, f)} imports ${to}`),
    );
    expect(upward).toEqual([]);
  });
});
