import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemPrincipal } from '@loam/core';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';
import { freePort } from '@loam/testkit/net/free-port';
import { credentialsEntry } from './credentials-file.js';
import { holdLock, type LockHolder } from './credentials-lock.test-support.js';
import { startLoam, type RunningLoam } from './start.js';

// `loam up` removes the [loam] profile's key lines when the store does not hold the key they name (a forget run
// or DeleteAccessKey killed before it rewrote the file). A key this store never held may be another store's: the
// data directory's server started once against another database (another server's, with its own admin). The
// profile's secret was then thrown away, though the key still works on the server it came from.

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
const running: RunningLoam[] = [];
const holders: LockHolder[] = [];
afterEach(async () => {
  for (const h of holders.splice(0)) await h.release();
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

async function up(dir: string, port = 0): Promise<RunningLoam> {
  const loam = await startLoam({ flags: { dataDir: dir, port, host: '127.0.0.1' }, env: { LOAM_LOG__LEVEL: 'silent' }, logger: silent });
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

  it('answers other requests while it waits to rewrite the file (its endpoint, then the dead key\'s lines) under a lock another process holds', async () => {
    const here = dataDir();
    const first = await up(here);
    const keyId = credentialsEntry(here, 'aws_access_key_id') as string;
    await first.platform.identity.DeleteAccessKey({ UserName: 'admin', AccessKeyId: keyId }, { principal: systemPrincipal, requestId: 'test' });
    await down(first);

    // Held for 30 s at most: the old wait blocked this process too, which could then not release it.
    const holder = await holdLock(join(here, 'credentials.lock'), 30_000);
    holders.push(holder);
    const port = await freePort();
    let started = false;
    const starting = up(here, port).finally(() => (started = true));
    starting.catch(() => undefined);
    const health = async (): Promise<boolean> => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true;
    // Until the port opens (connections refused), then for 3 s while the start waits for the lock: each answer in
    // under a second. The old wait (Atomics.wait) held every request until the lock was released or 75 s passed.
    for (const until = Date.now() + 60_000; !(await health()); await sleep(50)) if (Date.now() > until) throw new Error('the server did not open its port');
    // Each round: a request and a pause to 100 ms; a blocked event loop makes the round as long as the block.
    const times: number[] = [];
    for (const until = Date.now() + 3_000; Date.now() < until; ) {
      const before = Date.now();
      const answered = await health();
      await sleep(Math.max(0, 100 - (Date.now() - before)));
      times.push(answered ? Date.now() - before : -1);
    }
    expect([started, times.filter((t) => t < 0 || t >= 1_000)]).toEqual([false, []]);
    expect(times.length).toBeGreaterThan(5);

    await holder.release();
    await starting;
    expect([credentialsEntry(here, 'aws_access_key_id'), credentialsEntry(here, 'loam_api_token')]).toEqual([undefined, expect.stringMatching(/./)]);
  }, 180_000);
});

describe('loam up that cannot write its credentials file', () => {
  it('fails and closes what it opened: its port answers no more, and a start after the fix takes it', async () => {
    const here = dataDir();
    // A link into a directory that does not exist: the lock beside its target cannot be made.
    symlinkSync(join(here, 'missing', 'credentials'), join(here, 'credentials'));
    const port = await freePort();
    await expect(up(here, port)).rejects.toThrow(`Could not write the credentials file ${join(here, 'credentials')}, a symbolic link to`);
    // The failed start left its server listening, its stores open and the data directory locked, with no handle to
    // close them (startLoam returned none): this port still answered, and the next start on it failed (EADDRINUSE).
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'answered', () => 'refused')).toBe('refused');
    rmSync(join(here, 'credentials'));
    const loam = await up(here, port);
    expect(loam.url).toBe(`http://127.0.0.1:${port}`);
    expect(readFileSync(join(here, 'credentials'), 'utf8')).toContain(`loam_endpoint = http://127.0.0.1:${port}\n`);
  }, 120_000);
});
