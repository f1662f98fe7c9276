// manifest.json: what an artifact folder must contain, file by file (path, size, sha256). Written last, when the
// folder is complete; an artifact without a valid manifest is never trusted.

import { readdirSync, readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isRecord } from '../json.js';

export const MANIFEST = 'manifest.json';

export interface ManifestFile {
  /** Relative to the artifact folder, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  key: string;
  createdAt: string;
  /** Sorted by path; manifest.json itself is not listed. */
  files: ManifestFile[];
}

/** Why a manifest cannot be used, or the manifest. `absent` when there is no manifest.json at all. */
export type ManifestRead = { ok: true; manifest: Manifest } | { ok: false; absent: boolean; problem: string };

export async function readManifest(dir: string, key: string): Promise<ManifestRead> {
  let text: string;
  try {
    // Synchronous, as listFolder's reads and the stamps' stats: a no-op re-run looks up every artifact at once, and
    // a small file read through fs/promises costs four thread-pool round trips.
    text = readFileSync(join(dir, MANIFEST), 'utf8');
  } catch (err) {
    return { ok: false, absent: (err as NodeJS.ErrnoException).code === 'ENOENT', problem: (err as Error).message };
  }
  try {
    return { ok: true, manifest: parseManifest(text, key) };
  } catch (err) {
    return { ok: false, absent: false, problem: (err as Error).message };
  }
}

/** Parses and checks a manifest's shape; its paths must stay inside the folder, and it must be for `key`. */
export function parseManifest(text: string, key: string): Manifest {
  const value = JSON.parse(text) as unknown;
  if (!isRecord(value) || !Array.isArray(value.files) || typeof value.createdAt !== 'string') {
    throw new Error('not a manifest (expected { key, createdAt, files: [...] })');
  }
  if (value.key !== key) throw new Error(`written for key ${String(value.key).slice(0, 12)}, not this one`);
  const files: ManifestFile[] = value.files.map((f: unknown, i: number) => {
    if (!isRecord(f) || typeof f.path !== 'string' || typeof f.size !== 'number' || typeof f.sha256 !== 'string') {
      throw new Error(`files[${i}] is not { path, size, sha256 }`);
    }
    if (!isInsidePath(f.path) || f.path === MANIFEST) throw new Error(`files[${i}] has an invalid path "${f.path}"`);
    return { path: f.path, size: f.size, sha256: f.sha256 };
  });
  return { key, createdAt: value.createdAt, files };
}

/** A relative `/`-separated path with no `.`, `..` or empty segments, so `join(dir, path)` stays in `dir`. */
function isInsidePath(path: string): boolean {
  return !path.startsWith('/') && path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}


export interface FolderListing {
  /** Regular files, relative and `/`-separated, sorted. */
  files: string[];
  /** Anything that is neither a regular file nor a folder (symlinks, sockets): never part of a valid artifact. */
  others: string[];
}

/** Walks a folder without following symlinks: a link could point anywhere, so it is reported, not read. */
export async function listFolder(dir: string): Promise<FolderListing> {
  const files: string[] = [];
  const others: string[] = [];
  const walk = async (sub: string): Promise<void> => {
    for (const entry of readdirSync(sub, { withFileTypes: true })) {
      const full = join(sub, entry.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(rel);
      else others.push(rel);
    }
  };
  await walk(dir);
  return { files: files.sort(), others: others.sort() };
}

/** Total size in bytes of everything under a folder (0 when it does not exist). */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    const s = await lstat(path).catch(() => undefined);
    if (!s) return;
    if (s.isDirectory()) {
      for (const name of await readdir(path).catch(() => [])) await walk(join(path, name));
    } else {
      total += s.size;
    }
  };
  await walk(dir);
  return total;
}
