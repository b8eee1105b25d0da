import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import type { Artifacts } from './artifacts.js';
import { stageChannel } from './stage-inputs.js';

// A bucket may hold `p` and `p/q` (as S3 does, and the local store since ADR 0020), but File mode
// stages each object to a file named by its key, and `p` cannot be both a file and a directory.
const root = mkdtempSync(join(tmpdir(), 'loam-stage-clash-'));
let store: Artifacts;
beforeAll(async () => {
  store = await openArtifactStore({ type: 'local', root: join(root, 'store') });
  await store.ensureBucket('data');
  for (const k of ['clash/p', 'clash/p/q', 'marker/', 'marker/d/', 'marker/d/x.csv', 'empty/a//b', 'dup/x', 'dup//x']) await store.put({ bucket: 'data', key: k }, Buffer.from(k));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const channel = (s3Uri: string, describedAs?: string) => ({
  name: 'train', s3Uri, s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'None', inputMode: 'File', recordWrapper: 'None',
  ...(describedAs === undefined ? {} : { describedAs }),
}) as never;

describe('staging a File-mode channel whose objects clash as files and directories', () => {
  it('refuses `p` beside `p/q` naming both objects, and downloads nothing', async () => {
    const dir = join(root, 'train');
    const err = await stageChannel(store, channel('s3://data/clash/'), dir, { index: 0, count: 1 }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ClientError');
    expect((err as Error).message).toBe(
      "Channel 'train': objects 's3://data/clash/p' and 's3://data/clash/p/q' cannot both be staged: File mode downloads each object to a file named by its key, and 'p' cannot be both a file and a directory. Move one of them, or point the channel at a prefix that holds only one.",
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('says the same of a batch transform input', async () => {
    const err = await stageChannel(store, channel('s3://data/clash', 'TransformInput'), join(root, 'transform'), { index: 0, count: 1 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^TransformInput: objects 's3:\/\/data\/clash\/p' and 's3:\/\/data\/clash\/p\/q' cannot both be staged/);
  });

  it('stages the objects under folder markers, the markers themselves making no file', async () => {
    const dir = join(root, 'marker');
    expect(await stageChannel(store, channel('s3://data/marker/'), dir, { index: 0, count: 1 })).toBe(1);
    expect(readdirSync(dir)).toEqual(['d']);
    expect(readFileSync(join(dir, 'd/x.csv'), 'utf8')).toBe('marker/d/x.csv');
  });

  it('refuses two objects that would be the same file (`x` and `/x` below the prefix), naming both', async () => {
    for (const uri of ['s3://data/dup/', 's3://data/dup']) {
      const dir = join(root, 'dup');
      const err = await stageChannel(store, channel(uri), dir, { index: 0, count: 1 }).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        "Channel 'train': objects 's3://data/dup//x' and 's3://data/dup/x' cannot both be staged: File mode downloads each object to a file named by its key, and both would be 'x'. Move one of them, or point the channel at a prefix that holds only one.",
      );
      expect(existsSync(dir)).toBe(false);
    }
  });

  it('refuses a key with an empty segment, which names no file', async () => {
    const err = await stageChannel(store, channel('s3://data/empty/'), join(root, 'empty'), { index: 0, count: 1 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("Channel 'train': object 'empty/a//b' has a name that cannot be a file inside the channel directory.");
  });
});
