import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';
import { silentLogger } from '@loam/core';
import { serverKeyFile } from '../auth/secret-box.js';
import { loadConfig } from '../config/index.js';
import { openPlatform } from './platform.js';

// Two servers on one PostgreSQL database, each with its own data directory: the second one made a
// server.key of its own, started, and answered every SigV4 request (boto3, the aws CLI, S3) signed with
// the admin's stored key with a 500 ("Sealed secret failed authentication"). It now refuses to start,
// naming the key file to copy.

const schema = useFreshPostgresSchema();
const root = mkdtempSync(join(tmpdir(), 'loam-server-key-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const first = mkdtempSync(join(root, 'first-'));

const configFor = (dataDir: string) =>
  loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent', LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schema }, cwd: dataDir }).config;

async function run<T>(dataDir: string, fn: (p: Awaited<ReturnType<typeof openPlatform>>) => Promise<T>): Promise<T> {
  const config = configFor(dataDir);
  const platform = await openPlatform(config, silentLogger);
  try {
    return await fn(platform);
  } finally {
    await platform.close();
    await endDetachedJobs(config.executor.workDir);
  }
}

describe('servers sharing one PostgreSQL database', () => {
  it('a server whose server.key did not seal the stored access keys refuses to start, naming the file; with the first server\'s key it starts and reads them', async () => {
    // The first server's directory is the file's (a retry finds its admin in the schema, sealed by it);
    // the second's is new for each attempt.
    const second = mkdtempSync(join(root, 'second-'));
    const admin = await run(first, async (p) => (await p.identity.bootstrapAdmin())?.accessKeyId ?? 'kept from the first attempt');
    expect(admin).toBeTruthy();

    await expect(openPlatform(configFor(second), silentLogger)).rejects.toThrow(
      new RegExp(`^Access key '[A-Z0-9]+' in the metadata store was sealed with another server\\.key than ${join(second, serverKeyFile).replace(/[.]/g, '\\.')}: every server on one database needs the same server\\.key\\.`),
    );

    copyFileSync(join(first, serverKeyFile), join(second, serverKeyFile));
    const opened = await run(second, async (p) => p.identity.accessKeySealedElsewhere());
    expect(opened).toBeUndefined();
  });
});
