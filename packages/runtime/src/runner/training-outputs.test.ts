import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { DiskWaitBudget, whileDiskFull } from './disk-full.js';
import { TrainingOutputs } from './training-outputs.js';

// The model's archive and upload on a real full disk (a small tmpfs holding the job's scratch directory and a
// local artifact store, as one data directory does): retried while the disk is full, without rebuilding the
// archive each time, and never uploading a cut or changed one.

const MiB = 1 << 20;

/** A job's directories on `mnt`: its /opt/ml with a 3 MiB model that does not compress, and a local store. */
async function job(mnt: string) {
  const root = join(mnt, 'job', 'opt', 'ml');
  const modelDir = join(root, 'model');
  mkdirSync(modelDir, { recursive: true });
  mkdirSync(join(root, 'output', 'data'), { recursive: true });
  const model = randomBytes(3 * MiB);
  writeFileSync(join(modelDir, 'weights.bin'), model);
  const store = await openArtifactStore({ type: 'local', root: join(mnt, 'artifacts') } as never);
  await store.ensureBucket('models');
  const scratch = join(mnt, 'job');
  const outputs = new TrainingOutputs('s3://models/out', 'job-1', root, modelDir, join(root, 'output', 'data'), scratch);
  return { root, model, store, scratch, outputs, archive: join(scratch, 'model.tar.gz') };
}

/** The file `name` inside a stored model.tar.gz (a ustar archive, gzipped). */
async function fileInArchive(store: Awaited<ReturnType<typeof openArtifactStore>>, name: string): Promise<Buffer | undefined> {
  const { body } = await store.get({ bucket: 'models', key: 'out/job-1/output/model.tar.gz' });
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  const tar = gunzipSync(Buffer.concat(chunks));
  for (let at = 0; at + 512 <= tar.length; ) {
    const entry = tar.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
    if (entry === '') return undefined;
    const size = parseInt(tar.toString('utf8', at + 124, at + 136).replace(/\0.*$/s, '').trim(), 8);
    if (entry === name) return tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

const stampOf = (file: string) => (existsSync(file) ? (({ ino, mtimeMs, size }) => ({ ino, mtimeMs, size }))(statSync(file)) : undefined);

describe.skipIf(!canMountTmpfs)('the model upload on a full disk (needs root to mount a tmpfs)', () => {
  it('keeps the whole archive while the upload waits for space, uploading it again instead of rebuilding it', async () => {
    const fs = smallTmpfs(16);
    const j = await job(fs.dir);
    // Room for the archive (3 MiB) but not for the store's copy of it as well.
    fs.leave(5 * MiB);
    const kept: (ReturnType<typeof stampOf>)[] = [];
    let attempts = 0;
    const uri = await whileDiskFull({ step: 'archiving and uploading the model', path: j.scratch, budget: new DiskWaitBudget(60_000), retryMs: 20, signal: new AbortController().signal, log: () => {} }, async () => {
      attempts++;
      try {
        return await j.outputs.upload(j.store);
      } finally {
        // What a failed attempt leaves for the next: the archive it built, not a disk it filled again.
        if (attempts <= 4) kept.push(stampOf(j.archive));
        if (attempts === 4) fs.free();
      }
    });
    expect(attempts).toBe(5);
    expect(uri).toBe('s3://models/out/job-1/output/model.tar.gz');
    // Built once: the same file (inode, size, mtime) after every failed upload.
    expect(kept[0]).toBeDefined();
    expect(kept).toEqual([kept[0], kept[0], kept[0], kept[0]]);
    expect((await fileInArchive(j.store, 'weights.bin'))?.equals(j.model)).toBe(true);
    expect(existsSync(j.archive)).toBe(false);
  });

  it('rebuilds an archive that was cut short or changed since it was written, and uploads a whole one', async () => {
    const fs = smallTmpfs(16);
    const j = await job(fs.dir);
    // No room for the archive itself: the write is cut short and leaves nothing behind.
    fs.leave(1 * MiB);
    await expect(j.outputs.upload(j.store)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(existsSync(j.archive)).toBe(false);
    expect(existsSync(`${j.archive}.partial`)).toBe(false);
    // Room for the archive, not the upload: the whole archive is kept...
    fs.free();
    fs.leave(5 * MiB);
    await expect(j.outputs.upload(j.store)).rejects.toThrow(/ENOSPC/);
    expect(statSync(j.archive).size).toBeGreaterThan(3 * MiB);
    // ...until something cuts it: that one is not the archive the runner wrote, and is never uploaded.
    truncateSync(j.archive, MiB);
    fs.free();
    expect(await j.outputs.upload(j.store)).toBe('s3://models/out/job-1/output/model.tar.gz');
    // (Buffers compared with equals: a deep toEqual of megabytes takes minutes.)
    expect((await fileInArchive(j.store, 'weights.bin'))?.equals(j.model)).toBe(true);
    expect(readFileSync(join(j.root, 'model', 'weights.bin')).equals(j.model)).toBe(true);
    j.outputs.dispose();
    expect(existsSync(j.archive)).toBe(false);
  });
});
