// Package versions recorded with every run, read from package.json files so tfjs is never loaded for this.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function readVersion(path: string): string | null {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** Looks for node_modules/<pkg>/package.json from this file upwards, as Node's resolution would. */
function versionOf(pkg: string): string | null {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', pkg, 'package.json');
    if (existsSync(candidate)) return readVersion(candidate);
    if (dirname(dir) === dir) return null;
  }
}

export function packageVersions(): Record<string, string | null> {
  return {
    node: process.versions.node,
    pipe: readVersion(join(here, '..', '..', 'package.json')),
    '@tensorflow/tfjs': versionOf('@tensorflow/tfjs'),
    '@tensorflow/tfjs-backend-wasm': versionOf('@tensorflow/tfjs-backend-wasm'),
    '@tensorflow/tfjs-node': versionOf('@tensorflow/tfjs-node'),
    'better-sqlite3': versionOf('better-sqlite3'),
  };
}
