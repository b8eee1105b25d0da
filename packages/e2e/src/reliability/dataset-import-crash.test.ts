import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readCredentialsProfile } from '@loam/cli';
import { restCall, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

function s3(loam: LoamProcess): S3Client {
  const creds = readCredentialsProfile(loam.info.credentialsFile) ?? {};
  return new S3Client({
    endpoint: loam.url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: creds['aws_access_key_id'] as string, secretAccessKey: creds['aws_secret_access_key'] as string },
  });
}
const token = (loam: LoamProcess) => readCredentialsProfile(loam.info.credentialsFile)!.loam_api_token!;
const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('kill -9 of the server during a dataset import', () => {
  // Each attempt (CI retries a failed test once) gets a data directory of its own: a retry must not meet what a
  // failed attempt left there (the names it created, its jobs).
  let dataDir = '';
  beforeEach(() => {
    dataDir = tempDataDir('loam-ds-crash-');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('records no version, and the restarted server removes the snapshot being written and imports again', async () => {
    const work = join(dataDir, 'datasets-work');
    const loam = await startLoamProcess(dataDir);
    await s3(loam).send(new CreateBucketCommand({ Bucket: 'ds-crash' }));
    const rows = 1_000_000;
    const csv = 'a,b,c\n' + Array.from({ length: rows }, (_, j) => `${j},${j * 3.5},name-${j % 1000}`).join('\n') + '\n';
    await s3(loam).send(new PutObjectCommand({ Bucket: 'ds-crash', Key: 'big.csv', Body: csv }));
    await restCall(loam.url, token(loam), 'POST', '/api/v1/datasets', { DatasetName: 'big' });
    const importing = restCall(loam.url, token(loam), 'POST', '/api/v1/datasets/big/versions', { SourceUri: 's3://ds-crash/big.csv' }).catch((e: Error) => e);
    // The import is writing its Parquet snapshot (the engine's output under datasets-work/tmp).
    const t0 = Date.now();
    while (files(join(work, 'tmp')).length === 0) {
      if (Date.now() - t0 > 60_000) throw new Error('the import never started writing its snapshot');
      await new Promise((r) => setTimeout(r, 20));
    }
    loam.child.kill('SIGKILL');
    await waitForExit(loam.child);
    expect(await importing).toBeInstanceOf(Error);
    expect(files(join(work, 'tmp')).length).toBeGreaterThan(0);

    const again = await startLoamProcess(dataDir);
    try {
      expect(files(join(work, 'tmp'))).toEqual([]);
      expect(files(join(work, 'cache')).filter((f) => f.endsWith('.part'))).toEqual([]);
      expect((await restCall(again.url, token(again), 'GET', '/api/v1/datasets/big')).LatestVersion).toBe(0);
      const v = await restCall(again.url, token(again), 'POST', '/api/v1/datasets/big/versions', { SourceUri: 's3://ds-crash/big.csv' });
      expect(v).toMatchObject({ Version: 1, RowCount: rows });
      expect(files(join(work, 'tmp'))).toEqual([]);
    } finally {
      again.child.kill('SIGTERM');
      await waitForExit(again.child);
    }
  }, 180_000);
});
