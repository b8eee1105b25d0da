import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import type { Artifacts } from './artifacts.js';
import { CheckpointSync } from './outputs.js';

// A checkpoint prefix may hold `p` and `p/q` (as S3 does, and the local store since ADR 0020); restoring
// them as files cannot work, and should say so as staging a channel does, before downloading anything.
let root: string;
let store: Artifacts;
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'loam-ckpt-clash-'));
  store = await openArtifactStore({ type: 'local', root: join(root, 'store') });
  await store.ensureBucket('ckpt');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('restoring checkpoints', () => {
  it('refuses `p` beside `p/q` naming both objects, and downloads nothing', async () => {
    for (const k of ['run/a', 'run/p', 'run/p/q']) await store.put({ bucket: 'ckpt', key: k }, Buffer.from(k));
    const dir = join(root, 'opt/ml/checkpoints');
    const err = await new CheckpointSync(store, dir, 's3://ckpt/run', join(root, 'opt/ml')).restore().catch((e: unknown) => e);
    expect((err as Error).name).toBe('ClientError');
    expect((err as Error).message).toBe(
      "CheckpointConfig.S3Uri 's3://ckpt/run': objects 's3://ckpt/run/p' and 's3://ckpt/run/p/q' cannot both be staged: File mode downloads each object to a file named by its key, and 'p' cannot be both a file and a directory. Move one of them, or point CheckpointConfig.S3Uri at a prefix that holds only one.",
    );
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('restores the others, folder markers and keys with empty segments making no file', async () => {
    for (const k of ['run/', 'run/d/', 'run/d/x', 'run/e//f']) await store.put({ bucket: 'ckpt', key: k }, Buffer.from(k));
    const dir = join(root, 'opt/ml/checkpoints');
    expect(await new CheckpointSync(store, dir, 's3://ckpt/run/', join(root, 'opt/ml')).restore()).toBe(1);
    expect(readFileSync(join(dir, 'd/x'), 'utf8')).toBe('run/d/x');
  });
});
