import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import type { Artifacts } from './artifacts.js';
import { stageChannel } from './stage-inputs.js';

// ADR 0019: the prefix a ManifestFile named was checked against the caller's S3 permissions when the
// job was created; a manifest rewritten afterwards to name another prefix is not staged.
const root = mkdtempSync(join(tmpdir(), 'loam-manifest-channel-'));
let store: Artifacts;
beforeAll(async () => {
  store = await openArtifactStore({ type: 'local', root: join(root, 'store') });
  for (const b of ['team', 'other']) await store.ensureBucket(b);
  await store.put({ bucket: 'team', key: 'train/a.csv' }, Buffer.from('1,2\n'));
  await store.put({ bucket: 'other', key: 'secret/a.csv' }, Buffer.from('9,9\n'));
  await store.put({ bucket: 'team', key: 'm.json' }, Buffer.from(JSON.stringify([{ prefix: 's3://other/secret/' }, 'a.csv'])));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const channel = (manifestPrefix?: string) => ({
  name: 'train', s3Uri: 's3://team/m.json', s3DataType: 'ManifestFile', distribution: 'FullyReplicated', compression: 'None', inputMode: 'File', recordWrapper: 'None',
  ...(manifestPrefix ? { manifestPrefix } : {}),
}) as never;

describe('staging a ManifestFile channel', () => {
  it('refuses a manifest that names another prefix than the one checked when the job was created, and stages nothing', async () => {
    const dir = join(root, 'refused');
    const err = await stageChannel(store, channel('s3://team/train/'), dir, { index: 0, count: 1 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("Manifest 's3://team/m.json' names prefix 's3://other/secret/', but it named 's3://team/train/' when the job was created and its caller's access was checked; create the job again to use the new one.");
    expect(() => readdirSync(dir)).toThrow();
  });

  it('stages the manifest when it still names the checked prefix (and, for jobs without one, as before)', async () => {
    await store.put({ bucket: 'team', key: 'm.json' }, Buffer.from(JSON.stringify([{ prefix: 's3://team/train/' }, 'a.csv'])));
    expect(await stageChannel(store, channel('s3://team/train/'), join(root, 'ok'), { index: 0, count: 1 })).toBe(1);
    expect(readdirSync(join(root, 'ok'))).toEqual(['a.csv']);
    expect(await stageChannel(store, channel(), join(root, 'unchecked'), { index: 0, count: 1 })).toBe(1);
  });
});

describe('an S3Prefix channel naming one object (exactObject: a transform model artifact or source archive)', () => {
  it('stages that key only, not the keys that start with it', async () => {
    await store.put({ bucket: 'team', key: 'models/model.tar.gz' }, Buffer.from('m'));
    await store.put({ bucket: 'team', key: 'models/model.tar.gz.bak' }, Buffer.from('b'));
    const spec = (exactObject: boolean) => ({ name: 'model', s3Uri: 's3://team/models/model.tar.gz', s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'None', inputMode: 'File', recordWrapper: 'None', exactObject }) as never;
    expect(await stageChannel(store, spec(true), join(root, 'exact'), { index: 0, count: 1 })).toBe(1);
    expect(readdirSync(join(root, 'exact'))).toEqual(['model.tar.gz']);
    expect(await stageChannel(store, spec(false), join(root, 'prefix'), { index: 0, count: 1 })).toBe(2);
  });
});
