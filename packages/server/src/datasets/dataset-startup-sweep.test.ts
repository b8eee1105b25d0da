import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbDataEngine, S3ArtifactStore } from '@loam/adapters';
import { DatasetService, datasetObjectIntentsSpec, silentLogger, systemClock, type DatasetObjectIntentRecord, type Logger, type RequestContext } from '@loam/core';
import { loadConfig } from '../config/index.js';
import { openPlatform } from '../compose/platform.js';
import { openTestLoam } from '../compose/loam.test-support.js';

// Opening the platform deletes the dataset objects a stopped server of this installation journalled and
// left without a version row (an import's snapshot and upload written before its commit, once a day
// old; a DeleteDataset's objects after its commit); never an object it has no intent for, however old:
// another installation's over the same artifact store, or one written after a restored backup.

const dataDir = mkdtempSync(join(tmpdir(), 'loam-ds-sweep-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 't' };
const open = (logger: Logger = silentLogger) => openPlatform(loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent' }, cwd: dataDir }).config, logger);

describe('the datasets capability at start', () => {
  it('deletes the objects its own intents name and no version records; nothing unknown, nothing recent', async () => {
    const twoDaysAgo = Date.now() - 2 * 24 * 3600 * 1000;
    const first = await open();
    const a = first.artifacts;
    const root = (a as unknown as { root: string }).root;
    const age = (key: string) => utimesSync(join(root, 'loam-datasets', key), new Date(twoDaysAgo), new Date(twoDaysAgo));
    const uri = (key: string) => `s3://loam-datasets/${key}`;
    let recorded: string;
    let orphans: string[];
    let kept: string[];
    try {
      const ds = first.datasets.datasets;
      await ds.CreateDataset({ DatasetName: 'kept' }, ctx);
      const v = await ds.importUpload('kept', 'k.csv', (async function* () { yield Buffer.from('a\n1\n2\n'); })(), {}, 1e6);
      recorded = v.dataUri.replace('s3://loam-datasets/', '');
      const upload = v.sourceUri.replace('s3://loam-datasets/', '');
      // What a stopped server left: an import's upload and snapshot written two days ago and never
      // recorded, and a committed DeleteDataset's snapshot it did not get to delete.
      const crashed = ['uploads/gone/1700000000000-abc123/g.csv', 'datasets/gone/v1/0123456789abcdef/data.parquet'];
      const undeleted = 'datasets/deleted/v1/00000000000000aa/data.parquet';
      orphans = [...crashed, undeleted];
      // An import (maybe on another server over this store) begun an hour ago: it may still commit.
      const recent = 'datasets/gone/v2/00000000000000ff/data.parquet';
      // Objects this installation never wrote, two days old: another installation's, or written after the
      // backup this store was restored from. Not this store's to delete.
      const unknown = ['datasets/theirs/v1/fedcba9876543210/data.parquet', 'uploads/theirs/1700000000000-xyz789/t.csv', 'datasets/kept/v2/fedcba9876543210/data.parquet'];
      kept = [recent, ...unknown, recorded, upload];
      for (const key of [...orphans, recent, ...unknown]) await a.put({ bucket: 'loam-datasets', key }, Buffer.from('x'));
      for (const key of [...orphans, ...unknown, recorded, upload]) age(key);
      const intents = first.store.collection(datasetObjectIntentsSpec);
      const intent = (key: string, kind: DatasetObjectIntentRecord['kind'], createdAt: number) => intents.insert({ uri: uri(key), datasetName: key.split('/')[1] as string, kind, createdAt });
      for (const key of crashed) await intent(key, 'write', twoDaysAgo);
      await intent(undeleted, 'delete', Date.now());
      await intent(recent, 'write', Date.now() - 3600_000);
    } finally {
      await first.close();
    }
    const second = await open();
    try {
      const exists = async (key: string) => (await second.artifacts.head({ bucket: 'loam-datasets', key })) !== undefined;
      await expect.poll(async () => (await Promise.all(orphans.map(exists))).some(Boolean), { timeout: 20_000 }).toBe(false);
      await expect.poll(async () => (await second.store.collection(datasetObjectIntentsSpec).list()).items.map((i) => i.value.uri), { timeout: 20_000 }).toEqual([uri(kept[0] as string)]);
      for (const key of kept) expect(await exists(key), key).toBe(true);
      expect((await second.datasets.datasets.PreviewDataset({ DatasetName: 'kept' }, ctx)).Rows).toHaveLength(2);
    } finally {
      await second.close();
    }
  });

  it('a close stops the sweep and waits for it: nothing runs against the closed stores', async () => {
    const first = await open();
    try {
      const intents = first.store.collection(datasetObjectIntentsSpec);
      for (let i = 0; i < 300; i++) await intents.insert({ uri: `s3://loam-datasets/datasets/many/v${i + 1}/0123456789abcdef/data.parquet`, datasetName: 'many', kind: 'delete', createdAt: Date.now() });
    } finally {
      await first.close();
    }
    const logged: string[] = [];
    const logger: Logger = { debug: () => undefined, info: () => undefined, error: (_f, m) => void logged.push(m), warn: (_f, m) => void logged.push(m), child: () => logger };
    const second = await open(logger);
    await second.close();
    const after = logged.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(logged.slice(after)).toEqual([]);
    expect(logged.filter((m) => m.includes('sweep'))).toEqual([]);
    // What it did not get to waits for the next start.
    const third = await open();
    try {
      await expect.poll(async () => await third.store.collection(datasetObjectIntentsSpec).count([{ field: 'kind', op: 'eq', value: 'delete' }]), { timeout: 30_000 }).toBe(0);
    } finally {
      await third.close();
    }
  }, 60_000);
});

describe('the sweep over the S3 artifact store', () => {
  it('needs only the dataset bucket: a key that may not list every bucket sweeps it', async () => {
    const loam = await openTestLoam();
    let store: S3ArtifactStore | undefined;
    try {
      await loam.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = loam.app.server.address() as AddressInfo;
      const id = loam.platform.identity;
      const admin = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
      await id.CreateUser({ UserName: 'datasets' }, admin);
      const bucketOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: ['arn:loam:s3:::loam-datasets', 'arn:loam:s3:::loam-datasets/*'] }] };
      await id.CreatePolicy({ PolicyName: 'DatasetBucketOnly', PolicyDocument: JSON.stringify(bucketOnly) }, admin);
      await id.AttachUserPolicy({ UserName: 'datasets', PolicyName: 'DatasetBucketOnly' }, admin);
      const key = (await id.CreateAccessKey({ UserName: 'datasets' }, admin)).AccessKey;
      store = await S3ArtifactStore.open({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey } });
      const workDir = join(loam.dataDir, 'sweep-work');
      const svc = new DatasetService({ store: loam.platform.store, artifacts: store, engine: new DuckDbDataEngine({ threads: 1 }), clock: systemClock, partition: loam.platform.partition, workDir, authorize: async () => undefined });
      // An intent of an object in a bucket that was never made: nothing to delete, and the intent goes.
      const gone = 's3://loam-datasets/datasets/gone/v1/0123456789abcdef/data.parquet';
      const intents = loam.platform.store.collection(datasetObjectIntentsSpec);
      await intents.insert({ uri: gone, datasetName: 'gone', kind: 'delete', createdAt: Date.now() });
      expect(await svc.sweepOrphanedObjects({ olderThanMs: 0 })).toEqual([gone]);
      await loam.platform.artifacts.ensureBucket('loam-datasets');
      await loam.platform.artifacts.put({ bucket: 'loam-datasets', key: 'datasets/gone/v1/0123456789abcdef/data.parquet' }, Buffer.from('x'));
      await intents.insert({ uri: gone, datasetName: 'gone', kind: 'delete', createdAt: Date.now() });
      expect(await svc.sweepOrphanedObjects({ olderThanMs: 0 })).toEqual([gone]);
      expect(await loam.platform.artifacts.head({ bucket: 'loam-datasets', key: 'datasets/gone/v1/0123456789abcdef/data.parquet' })).toBeUndefined();
    } finally {
      await store?.close();
      await loam.close();
    }
  }, 60_000);
});
