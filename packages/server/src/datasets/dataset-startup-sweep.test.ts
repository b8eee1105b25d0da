import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbDataEngine, S3ArtifactStore } from '@loam/adapters';
import { DatasetService, silentLogger, systemClock, type RequestContext } from '@loam/core';
import { loadConfig } from '../config/index.js';
import { openPlatform } from '../compose/platform.js';
import { openTestLoam } from '../compose/loam.test-support.js';

// Opening the platform deletes the dataset objects a stopped server left without a version row (an
// import's snapshot and upload written before its commit, or a DeleteDataset's objects after its
// commit), once they are older than a day; nothing any version records, nothing recent.

const dataDir = mkdtempSync(join(tmpdir(), 'loam-ds-sweep-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 't' };
const open = () => openPlatform(loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent' }, cwd: dataDir }).config, silentLogger);

describe('the datasets capability at start', () => {
  it('deletes the snapshots and uploads no version records, older than a day', async () => {
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    const first = await open();
    const a = first.artifacts;
    const root = (a as unknown as { root: string }).root;
    const age = (key: string) => utimesSync(join(root, 'loam-datasets', key), twoDaysAgo, twoDaysAgo);
    let recorded: string;
    let orphans: string[];
    let recent: string;
    try {
      const ds = first.datasets.datasets;
      await ds.CreateDataset({ DatasetName: 'kept' }, ctx);
      const v = await ds.importUpload('kept', 'k.csv', (async function* () { yield Buffer.from('a\n1\n2\n'); })(), {}, 1e6);
      recorded = v.dataUri.replace('s3://loam-datasets/', '');
      const upload = v.sourceUri.replace('s3://loam-datasets/', '');
      orphans = ['datasets/gone/v1/0123456789abcdef/data.parquet', 'uploads/gone/1700000000000-abc123/g.csv', 'datasets/kept/v2/fedcba9876543210/data.parquet'];
      recent = 'datasets/gone/v2/00000000000000ff/data.parquet';
      for (const key of [...orphans, recent]) await a.put({ bucket: 'loam-datasets', key }, Buffer.from('x'));
      for (const key of [...orphans, recorded, upload]) age(key);
    } finally {
      await first.close();
    }
    const second = await open();
    try {
      const exists = async (key: string) => (await second.artifacts.head({ bucket: 'loam-datasets', key })) !== undefined;
      await expect.poll(async () => (await Promise.all(orphans.map(exists))).some(Boolean), { timeout: 20_000 }).toBe(false);
      expect(await exists(recent)).toBe(true);
      expect(await exists(recorded)).toBe(true);
      expect((await second.datasets.datasets.PreviewDataset({ DatasetName: 'kept' }, ctx)).Rows).toHaveLength(2);
      const latest = (await second.datasets.datasets.DescribeDataset({ DatasetName: 'kept' }, ctx)).Latest;
      expect(await exists((latest?.SourceUri as string).replace('s3://loam-datasets/', ''))).toBe(true);
    } finally {
      await second.close();
    }
  });
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
      // Before anything was imported the bucket does not exist: nothing to do.
      expect(await svc.sweepOrphanedObjects({ olderThanMs: 0 })).toEqual([]);
      await loam.platform.artifacts.ensureBucket('loam-datasets');
      await loam.platform.artifacts.put({ bucket: 'loam-datasets', key: 'datasets/gone/v1/0123456789abcdef/data.parquet' }, Buffer.from('x'));
      expect(await svc.sweepOrphanedObjects({ olderThanMs: 0 })).toEqual(['s3://loam-datasets/datasets/gone/v1/0123456789abcdef/data.parquet']);
    } finally {
      await store?.close();
      await loam.close();
    }
  }, 60_000);
});
