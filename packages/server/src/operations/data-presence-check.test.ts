import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readData } from '@loam/contracts';
import { openArtifactStore } from '@loam/adapters';
import { ValidationError } from '@loam/core';
import { dataPresenceCheck } from './data-access-check.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const channel = (uri: string) => readData('/InputDataConfig/0/DataSource/S3DataSource/S3Uri', uri, 'S3Prefix', { mustHoldObjects: true });

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('the check that a training channel or transform input holds data', () => {
  it('on the local store: an object under the key prefix passes; an empty prefix or a missing bucket is the caller’s 400', async () => {
    const root = mkdtempSync(join(tmpdir(), 'loam-presence-'));
    dirs.push(root);
    const store = await openArtifactStore({ type: 'local', root });
    await store.ensureBucket('data');
    await store.put({ bucket: 'data', key: 'train/part-0.csv' }, Buffer.from('1,2\n'));
    const check = dataPresenceCheck(store);
    await expect(check(channel('s3://data/train/'))).resolves.toBeUndefined();
    await expect(check(channel('s3://data/tra'))).resolves.toBeUndefined();
    await expect(check(channel('s3://data/validation/'))).rejects.toBeInstanceOf(ValidationError);
    await expect(check(channel('s3://no-such-bucket/train/'))).rejects.toThrow(/^No S3 objects found under S3 URL "s3:\/\/no-such-bucket\/train\/"/);
  });

  it('an S3 backend that does not answer is the store’s failure, not "No S3 objects found" (a 400 clients would not retry)', async () => {
    const store = await openArtifactStore({ type: 's3', endpoint: `http://127.0.0.1:${await closedPort()}`, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'x', secretAccessKey: 'y' });
    const failure = await dataPresenceCheck(store)(channel('s3://data/train/')).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(ValidationError);
    expect((failure as Error).message).not.toMatch(/No S3 objects found/);
  });
});
