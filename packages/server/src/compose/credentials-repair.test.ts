import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemPrincipal } from '@loam/core';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';
import { credentialsEntry } from './credentials-file.js';
import { startLoam, type RunningLoam } from './start.js';

// `loam up` removes the [loam] profile's key lines when the store does not hold the key they name (a forget run
// or DeleteAccessKey killed before it rewrote the file). A key this store never held may be another store's: the
// data directory's server started once against another database (another server's, with its own admin). The
// profile's secret was then thrown away, though the key still works on the server it came from.

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
const running: RunningLoam[] = [];
afterEach(async () => {
  for (const l of running.splice(0)) {
    await l.close();
    await endDetachedJobs(l.config.executor.workDir);
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data directory per attempt: a retry meets nothing an earlier attempt left. */
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'loam-creds-repair-'));
  dirs.push(d);
  return d;
}

async function up(dir: string): Promise<RunningLoam> {
  const loam = await startLoam({ flags: { dataDir: dir, port: 0, host: '127.0.0.1' }, env: { LOAM_LOG__LEVEL: 'silent' }, logger: silent });
  running.push(loam);
  return loam;
}

async function down(loam: RunningLoam): Promise<void> {
  running.splice(running.indexOf(loam), 1);
  await loam.close();
  await endDetachedJobs(loam.config.executor.workDir);
}

describe('loam up and a [loam] profile naming a key its store does not hold', () => {
  it("keeps a key of another store (the profile's API token is not this store's either)", async () => {
    const other = dataDir();
    await down(await up(other));
    const here = dataDir();
    await down(await up(here));
    // The data directory's file now holds the other server's admin: its key and token are not in this store.
    copyFileSync(join(other, 'credentials'), join(here, 'credentials'));
    const keyId = credentialsEntry(here, 'aws_access_key_id');
    expect(keyId).toMatch(/^[A-Z0-9]{16,}$/);

    await down(await up(here));
    expect(credentialsEntry(here, 'aws_access_key_id')).toBe(keyId);
    expect(readFileSync(join(here, 'credentials'), 'utf8')).toContain('aws_secret_access_key = ');
  }, 120_000);

  it("removes a key the store deleted while it holds the profile's API token", async () => {
    const here = dataDir();
    const first = await up(here);
    const keyId = credentialsEntry(here, 'aws_access_key_id') as string;
    // Deleted in the store, the file not rewritten (as a process killed in between leaves it).
    await first.platform.identity.DeleteAccessKey({ UserName: 'admin', AccessKeyId: keyId }, { principal: systemPrincipal, requestId: 'test' });
    await down(first);
    expect(credentialsEntry(here, 'aws_access_key_id')).toBe(keyId);

    await down(await up(here));
    const text = readFileSync(join(here, 'credentials'), 'utf8');
    expect([credentialsEntry(here, 'aws_access_key_id'), text.includes('aws_secret_access_key'), credentialsEntry(here, 'loam_api_token')]).toEqual([undefined, false, expect.stringMatching(/./)]);
  }, 120_000);
});
