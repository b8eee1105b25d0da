import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';
import { freePort } from '@loam/testkit/net/free-port';
import { loadConfig } from '../config/index.js';
import { credentialsEntry } from './credentials-file.js';
import { holdLock, type LockHolder } from './credentials-lock.test-support.js';
import { startLoam, type RunningLoam } from './start.js';

// The first `loam up` creates the admin in one transaction that commits once its secrets are in the credentials file.
// It waited for the file's lock (another process writing it: up to 75 s) inside that transaction, and on SQLite an
// open write transaction holds off every other writer of the store: another server, `loam admin`, its own requests.

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
const running: RunningLoam[] = [];
const holders: LockHolder[] = [];
const dbs: Database.Database[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) db.close();
  for (const h of holders.splice(0)) await h.release();
  for (const l of running.splice(0)) {
    await l.close();
    await endDetachedJobs(l.config.executor.workDir);
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});


describe("the first loam up, while another process holds the credentials file's lock", () => {
  it('waits for it with no transaction open: another writer of the store writes meanwhile, and the admin is created once the lock is free', async () => {
    // A data directory per attempt: a retry meets nothing an earlier attempt left.
    const here = mkdtempSync(join(tmpdir(), 'loam-creds-bootstrap-'));
    dirs.push(here);
    const { metadata } = loadConfig({ argv: { dataDir: here }, env: {}, cwd: here }).config;
    if (metadata.type !== 'sqlite') throw new Error(`expected the default SQLite store, got ${metadata.type}`);
    // Held for 30 s at most: a test whose process is blocked cannot release it.
    const holder = await holdLock(join(here, 'credentials.lock'), 30_000);
    holders.push(holder);
    const port = await freePort();
    let started = false;
    const starting = startLoam({ flags: { dataDir: here, port, host: '127.0.0.1' }, env: { LOAM_LOG__LEVEL: 'silent' }, logger: silent }).then((l) => {
      running.push(l);
      started = true;
      return l;
    });
    starting.catch(() => undefined);
    // The credentials step comes right after the port opens.
    const listening = () => new Promise<boolean>((resolve) => connect(port, '127.0.0.1').once('connect', function (this: Socket) { this.destroy(); resolve(true); }).once('error', () => resolve(false)));
    for (const until = Date.now() + 60_000; !(await listening()); await sleep(50)) if (Date.now() > until) throw new Error('the server did not open its port');
    // The server's own requests: /healthz reads the store, which the open transaction held (one SQLite connection).
    const health = async (): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) }).catch((e: Error) => e.name);
      return typeof res === 'string' ? res : String(res.status);
    };

    // Another writer: a connection of its own to the store's file, refused at once (busy_timeout 0) when a
    // transaction holds the write lock, as another server's or `loam admin`'s write would be (after its own wait).
    const other = new Database(metadata.path);
    dbs.push(other);
    other.pragma('busy_timeout = 0');
    const refused: string[] = [];
    const answers: string[] = [];
    let writes = 0;
    for (const until = Date.now() + 2_000; Date.now() < until; await sleep(100)) {
      try {
        other.exec('BEGIN IMMEDIATE');
        other.exec('COMMIT');
        writes++;
      } catch (e) {
        if (other.inTransaction) other.exec('ROLLBACK');
        refused.push((e as Error).message);
      }
      answers.push(await health());
    }
    expect({ started, refused, unanswered: answers.filter((a) => a !== '200') }).toEqual({ started: false, refused: [], unanswered: [] });
    expect(writes).toBeGreaterThan(5);

    await holder.release();
    const loam = await starting;
    expect(loam.adminCreated).toBe(true);
    expect(credentialsEntry(here, 'aws_access_key_id')).toMatch(/^[A-Z0-9]{16,}$/);
    expect(readFileSync(join(here, 'credentials'), 'utf8')).toContain(`loam_endpoint = http://127.0.0.1:${port}\n`);
  }, 120_000);
});

describe('a later loam up with no credentials file', () => {
  it('has nothing to write and takes no lock: a link into a missing directory does not stop it, as before', async () => {
    const here = mkdtempSync(join(tmpdir(), 'loam-creds-bootstrap-'));
    dirs.push(here);
    const start = async () => {
      const l = await startLoam({ flags: { dataDir: here, port: 0, host: '127.0.0.1' }, env: { LOAM_LOG__LEVEL: 'silent' }, logger: silent });
      running.push(l);
      return l;
    };
    const first = await start();
    expect(first.adminCreated).toBe(true);
    running.splice(running.indexOf(first), 1);
    await first.close();
    await endDetachedJobs(first.config.executor.workDir);
    // The file moved elsewhere by its user, the link left naming a directory that is gone (an unmounted volume).
    rmSync(join(here, 'credentials'));
    symlinkSync(join(here, 'missing', 'credentials'), join(here, 'credentials'));
    const later = await start();
    expect(later.adminCreated).toBe(false);
    expect(existsSync(join(here, 'missing'))).toBe(false);
  }, 120_000);
});
