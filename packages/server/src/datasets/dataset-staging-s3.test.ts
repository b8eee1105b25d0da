import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '@loam/adapters';
import { DatasetStaging } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// With the S3 artifact backend, objects Loam did not write itself carry no sha256 (the backend here is
// Loam's own S3 API over objects written without the adapter's `sha256` metadata entry, as an object
// another S3 client wrote). The staging cache must still tell two such objects of the same size apart
// — two users' imports — and an object from its replacement.
let loam: TestLoam;
let store: S3ArtifactStore;
let dir: string;

beforeAll(async () => {
  loam = await openTestLoam();
  await loam.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = loam.app.server.address() as AddressInfo;
  store = await S3ArtifactStore.open({
    endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey },
  });
  dir = mkdtempSync(join(tmpdir(), 'loam-staging-'));
}, 60_000);
afterAll(async () => {
  await store?.close();
  await loam?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DatasetStaging over the S3 artifact store', () => {
  it('stages each object’s own bytes when objects have no sha256, even of the same size, and a replaced object anew', async () => {
    await loam.platform.artifacts.ensureBucket('team-a');
    await loam.platform.artifacts.ensureBucket('team-b');
    await loam.platform.artifacts.put({ bucket: 'team-a', key: 'in/data.csv' }, Buffer.from('name,salary\nalice,123456\n'));
    await loam.platform.artifacts.put({ bucket: 'team-b', key: 'in/data.csv' }, Buffer.from('name,salary\nmallor,00000\n'));
    expect((await store.head({ bucket: 'team-a', key: 'in/data.csv' }))?.sha256).toBe('');

    const staging = new DatasetStaging(store, dir);
    const a = await staging.stage('s3://team-a/in/data.csv', 'SourceUri');
    expect(readFileSync(a.path, 'utf8')).toBe('name,salary\nalice,123456\n');
    const b = await staging.stage('s3://team-b/in/data.csv', 'SourceUri');
    expect(readFileSync(b.path, 'utf8')).toBe('name,salary\nmallor,00000\n');

    // The same key rewritten with other bytes of the same size is another version: staged again.
    await new Promise((r) => setTimeout(r, 1100)); // S3's Last-Modified has whole seconds
    await loam.platform.artifacts.put({ bucket: 'team-a', key: 'in/data.csv' }, Buffer.from('name,salary\nbobbie,99999\n'));
    const again = await staging.stage('s3://team-a/in/data.csv', 'SourceUri');
    expect(readFileSync(again.path, 'utf8')).toBe('name,salary\nbobbie,99999\n');
    // Staged once per version: a second stage of the same version reuses the file.
    expect((await staging.stage('s3://team-a/in/data.csv', 'SourceUri')).path).toBe(again.path);
  }, 60_000);
});
