import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import { ArtifactStore, type Manifest } from '../../../src/store/artifact-store.js';
import { distStoreModule, keyOf, runScript, sha256, tempDir } from './helpers.js';

async function commitArtifact(store: ArtifactStore, key: string, files: Record<string, string>): Promise<{ dir: string; manifest: Manifest }> {
  const pending = await store.begin(key);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(pending.dir, path, '..'), { recursive: true });
    writeFileSync(join(pending.dir, path), text);
  }
  return pending.commit();
}

const FILES = { 'result.json': '{"accuracy":0.5}', 'model/weights.bin': 'w'.repeat(5000), 'model/topology.json': '{}' };

describe('ArtifactStore commit and lookup', () => {
  it('commit renames the folder into artifacts/<key> with a manifest of every file (path, size, sha256)', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('a');
    const pending = await store.begin(key);
    expect(readdirSync(pending.dir)).toEqual([]);
    expect(pending.dir.startsWith(join(root, '.tmp') + '/')).toBe(true);
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(join(pending.dir, path, '..'), { recursive: true });
      writeFileSync(join(pending.dir, path), text);
    }
    const { dir, manifest } = await pending.commit();

    expect(dir).toBe(join(root, key));
    expect(existsSync(pending.dir)).toBe(false);
    expect(manifest.key).toBe(key);
    expect(manifest.files).toEqual([
      { path: 'model/topology.json', size: 2, sha256: sha256('{}') },
      { path: 'model/weights.bin', size: 5000, sha256: sha256('w'.repeat(5000)) },
      { path: 'result.json', size: 16, sha256: sha256('{"accuracy":0.5}') },
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(await store.lookup(key, { verify: 'full' })).toEqual({ ok: true, dir, manifest });
    expect(await store.lookup(key, { verify: 'stamp' })).toEqual({ ok: true, dir, manifest });
  });

  it('an empty artifact commits and verifies', async () => {
    const store = new ArtifactStore(tempDir());
    const { manifest } = await commitArtifact(store, keyOf('empty'), {});
    expect(manifest.files).toEqual([]);
    expect((await store.lookup(keyOf('empty'), { verify: 'full' })).ok).toBe(true);
  });

  it('an unknown key is missing', async () => {
    const store = new ArtifactStore(tempDir());
    expect(await store.lookup(keyOf('nothing'), { verify: 'full' })).toEqual({ ok: false, reason: 'missing' });
  });

  it('a folder without a manifest is never trusted', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    mkdirSync(join(root, keyOf('bare')));
    writeFileSync(join(root, keyOf('bare'), 'result.json'), '{}');
    expect(await store.lookup(keyOf('bare'), { verify: 'stamp' })).toEqual({ ok: false, reason: 'no-manifest' });
  });

  it('a manifest written for another key, or not a manifest, is refused', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const { dir } = await commitArtifact(store, keyOf('a'), FILES);
    const copy = join(root, keyOf('b'));
    mkdirSync(copy);
    for (const name of ['result.json', 'manifest.json']) writeFileSync(join(copy, name), readFileSync(join(dir, name)));
    expect(await store.lookup(keyOf('b'), { verify: 'full' })).toEqual({ ok: false, reason: expect.stringMatching(/^altered: manifest.json: written for key/) });
    writeFileSync(join(dir, 'manifest.json'), '{"files": 3}');
    expect(await store.lookup(keyOf('a'), { verify: 'full' })).toEqual({ ok: false, reason: expect.stringMatching(/^altered: manifest.json: not a manifest/) });
  });

  it('a manifest listing a path outside the folder is refused before anything is read', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('escape');
    mkdirSync(join(root, key));
    const manifest = { key, createdAt: new Date().toISOString(), files: [{ path: '../outside.txt', size: 1, sha256: sha256('x') }] };
    writeFileSync(join(root, key, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(root, 'outside.txt'), 'x');
    expect(await store.lookup(key, { verify: 'full' })).toEqual({ ok: false, reason: expect.stringMatching(/invalid path "..\/outside.txt"/) });
  });

  it('keys that are not 64 hex characters are refused with a StoreError, before any path is built', async () => {
    const store = new ArtifactStore(tempDir());
    for (const bad of ['../../etc', keyOf('x').toUpperCase(), keyOf('x') + '/..', '', keyOf('x').slice(1)]) {
      await expect(store.lookup(bad, { verify: 'full' })).rejects.toThrow(StoreError);
      await expect(store.begin(bad)).rejects.toThrow(/not a cache key/);
      await expect(store.scratchDir(bad)).rejects.toThrow(StoreError);
      await expect(store.lockKey(bad)).rejects.toThrow(StoreError);
    }
  });

  it('commit refuses a stage output holding its own manifest.json or a symlink; abort then removes it', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const own = await store.begin(keyOf('own'));
    writeFileSync(join(own.dir, 'manifest.json'), '{}');
    await expect(own.commit()).rejects.toThrow(/manifest.json is reserved|its own manifest.json/);
    await own.abort();
    expect(existsSync(own.dir)).toBe(false);

    const linked = await store.begin(keyOf('link'));
    symlinkSync('/etc/hostname', join(linked.dir, 'link'));
    await expect(linked.commit()).rejects.toThrow(/link, which is not a regular file/);
    await linked.abort();
    expect(await store.lookup(keyOf('link'), { verify: 'full' })).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('ArtifactStore tampering', () => {
  async function committed(): Promise<{ store: ArtifactStore; key: string; dir: string }> {
    const store = new ArtifactStore(tempDir());
    const key = keyOf('t');
    const { dir } = await commitArtifact(store, key, FILES);
    return { store, key, dir };
  }

  for (const verify of ['stamp', 'full'] as const) {
    it(`an edited file fails lookup (${verify})`, async () => {
      const { store, key, dir } = await committed();
      writeFileSync(join(dir, 'result.json'), '{"accuracy":0.9}');
      expect(await store.lookup(key, { verify })).toEqual({ ok: false, reason: 'altered: result.json: content differs from the manifest' });
    });

    it(`a file of another size fails lookup (${verify})`, async () => {
      const { store, key, dir } = await committed();
      writeFileSync(join(dir, 'model/weights.bin'), 'w'.repeat(4999));
      expect(await store.lookup(key, { verify })).toEqual({ ok: false, reason: 'altered: model/weights.bin: size 4999, the manifest says 5000' });
    });

    it(`a deleted file fails lookup (${verify})`, async () => {
      const { store, key, dir } = await committed();
      rmSync(join(dir, 'model/topology.json'));
      expect(await store.lookup(key, { verify })).toEqual({ ok: false, reason: 'altered: model/topology.json: missing' });
    });

    it(`an extra file fails lookup (${verify})`, async () => {
      const { store, key, dir } = await committed();
      writeFileSync(join(dir, 'model', 'extra.bin'), '');
      expect(await store.lookup(key, { verify })).toEqual({ ok: false, reason: 'altered: model/extra.bin: not in the manifest' });
    });

    it(`a symlink in the folder fails lookup (${verify})`, async () => {
      const { store, key, dir } = await committed();
      symlinkSync(join(dir, 'result.json'), join(dir, 'alias.json'));
      expect(await store.lookup(key, { verify })).toEqual({ ok: false, reason: 'altered: alias.json: not a regular file' });
    });

    it(`a deleted manifest fails lookup (${verify})`, async () => {
      const { store, key, dir } = await committed();
      rmSync(join(dir, 'manifest.json'));
      expect(await store.lookup(key, { verify })).toEqual({ ok: false, reason: 'no-manifest' });
    });
  }
});

describe('ArtifactStore verification stamps', () => {
  const PAST = 1_700_000_000; // seconds; a round value that utimes sets exactly

  /** Same size, new content, and the old mtime back: only rehashing can tell. */
  function tamperKeepingStat(path: string, text: string): void {
    writeFileSync(path, text);
    utimesSync(path, PAST, PAST);
  }

  it('a matching stamp skips rehashing, and a full verify still catches the change', async () => {
    const store = new ArtifactStore(tempDir());
    const key = keyOf('s');
    const { dir } = await commitArtifact(store, key, FILES);
    utimesSync(join(dir, 'result.json'), PAST, PAST);
    expect((await store.lookup(key, { verify: 'full' })).ok).toBe(true); // refreshes the stamp with the new mtime
    tamperKeepingStat(join(dir, 'result.json'), '{"accuracy":0.9}');
    expect((await store.lookup(key, { verify: 'stamp' })).ok).toBe(true);
    expect(await store.lookup(key, { verify: 'full' })).toEqual({ ok: false, reason: 'altered: result.json: content differs from the manifest' });
  });

  it('a changed mtime forces a full verify in stamp mode', async () => {
    const store = new ArtifactStore(tempDir());
    const key = keyOf('s');
    const { dir } = await commitArtifact(store, key, FILES);
    utimesSync(join(dir, 'result.json'), PAST, PAST);
    expect((await store.lookup(key, { verify: 'full' })).ok).toBe(true);
    tamperKeepingStat(join(dir, 'result.json'), '{"accuracy":0.9}');
    utimesSync(join(dir, 'result.json'), PAST + 5, PAST + 5);
    expect(await store.lookup(key, { verify: 'stamp' })).toEqual({ ok: false, reason: 'altered: result.json: content differs from the manifest' });
  });

  it('a file replaced by another inode with the same size and mtime forces a full verify', async () => {
    const store = new ArtifactStore(tempDir());
    const key = keyOf('s');
    const { dir } = await commitArtifact(store, key, FILES);
    const path = join(dir, 'model/topology.json');
    utimesSync(path, PAST, PAST);
    expect((await store.lookup(key, { verify: 'full' })).ok).toBe(true);
    writeFileSync(path + '.new', '[]');
    utimesSync(path + '.new', PAST, PAST);
    rmSync(path);
    writeFileSync(join(dir, 'placeholder'), ''); // keeps the old inode number from being reused at once
    rmSync(join(dir, 'placeholder'));
    renameSync(path + '.new', path);
    expect(await store.lookup(key, { verify: 'stamp' })).toEqual({ ok: false, reason: 'altered: model/topology.json: content differs from the manifest' });
  });

  it('a stamp-mode lookup that had to verify fully refreshes the stamp, so the next one skips rehashing', async () => {
    const store = new ArtifactStore(tempDir());
    const key = keyOf('s');
    const { dir } = await commitArtifact(store, key, FILES);
    utimesSync(join(dir, 'result.json'), PAST, PAST); // content unchanged: a full verify passes
    expect((await store.lookup(key, { verify: 'stamp' })).ok).toBe(true);
    tamperKeepingStat(join(dir, 'result.json'), '{"accuracy":0.9}');
    expect((await store.lookup(key, { verify: 'stamp' })).ok).toBe(true);
  });
});

describe('ArtifactStore temporary folders', () => {
  it('an aborted artifact is never returned by lookup and its folder is gone', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const pending = await store.begin(keyOf('ab'));
    writeFileSync(join(pending.dir, 'result.json'), '{}');
    await pending.abort();
    expect(existsSync(pending.dir)).toBe(false);
    expect(await store.lookup(keyOf('ab'), { verify: 'full' })).toEqual({ ok: false, reason: 'missing' });
    await expect(pending.commit()).rejects.toThrow(/already aborted/);
  });

  it('the folder of a process killed mid-write is never returned by lookup, and gc removes it', async () => {
    const root = tempDir();
    const key = keyOf('killed');
    const script = `
      const { ArtifactStore } = await import(process.argv[2]);
      const { writeFileSync } = await import('node:fs');
      const pending = await new ArtifactStore(process.argv[3]).begin(process.argv[4]);
      writeFileSync(pending.dir + '/result.json', 'half');
      process.kill(process.pid, 'SIGKILL');
    `;
    const r = await runScript(root, 'killed.mjs', script, [distStoreModule('artifact-store'), join(root, 'artifacts'), key]);
    expect(r.signal).toBe('SIGKILL');
    const store = new ArtifactStore(join(root, 'artifacts'));
    const leftovers = readdirSync(join(root, 'artifacts', '.tmp'));
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0].startsWith(key)).toBe(true);
    expect(await store.lookup(key, { verify: 'stamp' })).toEqual({ ok: false, reason: 'missing' });

    const mine = await store.begin(keyOf('in progress'));
    await store.gc({ keep: new Set() });
    expect(readdirSync(join(root, 'artifacts', '.tmp'))).toEqual([mine.dir.split('/').pop()]);
  });
});

describe('ArtifactStore commit races', () => {
  it('two commits of one key at once leave one verified artifact, and both return it', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('race');
    const [a, b] = await Promise.all([store.begin(key), store.begin(key)]);
    writeFileSync(join(a.dir, 'who'), 'a');
    writeFileSync(join(b.dir, 'who'), 'b');
    const [ra, rb] = await Promise.all([a.commit(), b.commit()]);
    expect(ra.dir).toBe(join(root, key));
    expect(rb).toEqual(ra);
    const winner = readFileSync(join(root, key, 'who'), 'utf8');
    expect(ra.manifest.files).toEqual([{ path: 'who', size: 1, sha256: sha256(winner) }]);
    expect((await store.lookup(key, { verify: 'full' })).ok).toBe(true);
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });

  it('two processes committing the same keys at once both end with the same verified artifacts', async () => {
    const root = tempDir();
    const artifacts = join(root, 'artifacts');
    const keys = Array.from({ length: 8 }, (_, i) => keyOf(`k${i}`));
    const script = `
      import { existsSync, writeFileSync } from 'node:fs';
      const [, , module, artifacts, go, label, ...keys] = process.argv;
      const { ArtifactStore } = await import(module);
      const store = new ArtifactStore(artifacts);
      const pendings = [];
      for (const key of keys) {
        const p = await store.begin(key);
        writeFileSync(p.dir + '/who', label);
        writeFileSync(p.dir + '/data.bin', Buffer.alloc(200_000, label));
        pendings.push(p);
      }
      while (!existsSync(go)) await new Promise((r) => setTimeout(r, 2));
      const out = [];
      for (const p of pendings) out.push(await p.commit());
      process.stdout.write(JSON.stringify(out));
    `;
    const module = distStoreModule('artifact-store');
    const go = join(root, 'go');
    const children = ['a', 'b'].map((label) => runScript(root, `commit-${label}.mjs`, script, [module, artifacts, go, label, ...keys]));
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(go, '');
    const [a, b] = await Promise.all(children);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const store = new ArtifactStore(artifacts);
    const fromA = JSON.parse(a.stdout) as { dir: string; manifest: Manifest }[];
    const fromB = JSON.parse(b.stdout) as { dir: string; manifest: Manifest }[];
    for (const [i, key] of keys.entries()) {
      const hit = await store.lookup(key, { verify: 'full' });
      expect(hit.ok).toBe(true);
      if (!hit.ok) continue;
      expect(fromA[i]).toEqual({ dir: hit.dir, manifest: hit.manifest });
      expect(fromB[i]).toEqual({ dir: hit.dir, manifest: hit.manifest });
    }
    expect(readdirSync(join(artifacts, '.tmp'))).toEqual([]);
  });

  it('a commit replaces a damaged artifact already in place', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('damaged');
    mkdirSync(join(root, key));
    writeFileSync(join(root, key, 'junk'), 'left by something else');
    const { manifest } = await commitArtifact(store, key, { 'result.json': '{}' });
    expect(readdirSync(join(root, key)).sort()).toEqual(['manifest.json', 'result.json']);
    expect(await store.lookup(key, { verify: 'full' })).toEqual({ ok: true, dir: join(root, key), manifest });
  });

  it('a commit with replace puts the new artifact in place of a valid one', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('forced');
    await commitArtifact(store, key, { 'result.json': 'old' });
    const pending = await store.begin(key);
    writeFileSync(join(pending.dir, 'result.json'), 'new!');
    const { manifest } = await pending.commit({ replace: true });
    expect(readFileSync(join(root, key, 'result.json'), 'utf8')).toBe('new!');
    expect(manifest.files).toEqual([{ path: 'result.json', size: 4, sha256: sha256('new!') }]);
    expect(await store.lookup(key, { verify: 'stamp' })).toEqual({ ok: true, dir: join(root, key), manifest });
  });

  it('without replace, a commit keeps the valid artifact already there and returns it', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('first wins');
    const first = await commitArtifact(store, key, { 'result.json': 'first' });
    const second = await commitArtifact(store, key, { 'result.json': 'second' });
    expect(second).toEqual(first);
    expect(readFileSync(join(root, key, 'result.json'), 'utf8')).toBe('first');
  });
});

describe('ArtifactStore scratch folders', () => {
  it('scratchDir is created on demand, survives, and clearScratch removes it', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('scratch');
    const dir = await store.scratchDir(key);
    expect(dir).toBe(join(root, '.scratch', key));
    writeFileSync(join(dir, 'checkpoint'), 'epoch 3');
    expect(await store.scratchDir(key)).toBe(dir);
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe('epoch 3');
    await store.clearScratch(key);
    expect(existsSync(dir)).toBe(false);
  });
});
