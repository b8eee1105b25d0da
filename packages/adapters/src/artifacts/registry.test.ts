import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openArtifactStore, s3ArtifactStoreOptions } from './registry.js';
import type { ArtifactStoreConfig } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Runs in a plain Node child so the set of loaded modules is that of a real local install.
const probe = `
import { createRequire } from 'node:module';
const { openArtifactStore } = await import(process.env.REGISTRY);
const aws = () => Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('@aws-sdk')).length;
const store = await openArtifactStore({ type: 'local', root: process.env.ROOT });
await store.createBucket('probe');
await store.put({ bucket: 'probe', key: 'k' }, new Uint8Array([1]));
const local = aws();
await openArtifactStore({ type: 's3', endpoint: 'http://127.0.0.1:9', region: 'us-east-1' });
console.log(JSON.stringify({ local, s3: aws() }));
`;

describe('openArtifactStore', () => {
  it('opens a working local store', async () => {
    const store = await openArtifactStore({ type: 'local', root: join(dir, 'a') });
    await store.createBucket('bkt');
    const info = await store.put({ bucket: 'bkt', key: 'k' }, new TextEncoder().encode('abc'));
    expect(info.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('refuses an unknown type, naming the valid ones', async () => {
    const err = await openArtifactStore({ type: 'gcs' } as unknown as ArtifactStoreConfig).catch((e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'ValidationException' });
    expect((err as { message: string }).message).toMatch(/'gcs'.*'local', 's3'/);
  });

  it('never loads the AWS SDK for a local store, and loads it for an S3 one', () => {
    const out = execFileSync(process.execPath, ['--conditions=loam-src', '--import', 'tsx', '--no-warnings', '--input-type=module', '-e', probe], {
      env: { ...process.env, REGISTRY: fileURLToPath(new URL('./registry.ts', import.meta.url)), ROOT: join(dir, 'probe') },
      encoding: 'utf8',
    });
    const counts = JSON.parse(out.trim().split('\n').pop() as string) as { local: number; s3: number };
    expect(counts.local).toBe(0);
    expect(counts.s3).toBeGreaterThan(0);
  });
});

describe('an S3 artifact store configured with static keys', () => {
  it('takes Loam\'s configuration spelling (accessKeyId, secretAccessKey) as the SDK\'s credentials', () => {
    expect(s3ArtifactStoreOptions({ type: 's3', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AKIA1', secretAccessKey: 'secret', forcePathStyle: true })).toEqual({
      type: 's3', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials: { accessKeyId: 'AKIA1', secretAccessKey: 'secret' },
    });
  });

  it('leaves the SDK\'s default credentials when neither key is given, and refuses one without the other', () => {
    expect(s3ArtifactStoreOptions({ type: 's3', region: 'eu-west-1' })).toEqual({ type: 's3', region: 'eu-west-1' });
    expect(() => s3ArtifactStoreOptions({ type: 's3', accessKeyId: 'AKIA1' })).toThrow(/artifacts\.secretAccessKey is missing/);
  });
});
