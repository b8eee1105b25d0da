import { freePort } from '@loam/testkit/net/free-port';
import { startFreezableProxy } from '@loam/testkit/net/freezable-proxy';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { testPostgresUrl } from '../postgres-test-schema.js';
import { createPostgresDialect } from './postgres.js';

// What the store does when PostgreSQL goes away under it (a restart, a crash, an admin's
// pg_terminate_backend): a retryable ServiceUnavailable, never a dead process. The full restart under
// load runs end to end in packages/e2e/src/reliability/postgres-restart.test.ts.

async function terminate(pid: number): Promise<void> {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query('select pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe('PostgreSQL dialect when the server goes away', () => {
  it('a server that refuses connections is ServiceUnavailable naming the cause', async () => {
    const d = await createPostgresDialect({ url: `postgres://loam@127.0.0.1:${await freePort()}/loam` });
    try {
      await expect(sql`select 1`.execute(d.db)).rejects.toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/cannot reach PostgreSQL \(ECONNREFUSED\)/) });
    } finally {
      await d.destroy();
    }
  });

  it('a pooled idle connection the server drops is discarded, not thrown at the process; the next query works', async () => {
    const d = await createPostgresDialect({ url: testPostgresUrl, maxConnections: 1 });
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(d.db);
      await terminate(rows[0]!.pid);
      // The idle client sees the server's FATAL and closes; without a pool 'error' listener that is an
      // uncaught exception (vitest fails the run on it).
      await new Promise((r) => setTimeout(r, 300));
      const again = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(d.db);
      expect(again.rows[0]!.pid).not.toBe(rows[0]!.pid);
    } finally {
      await d.destroy();
    }
  });

  it('a query whose connection is terminated mid-statement is ServiceUnavailable', async () => {
    const d = await createPostgresDialect({ url: testPostgresUrl, maxConnections: 1 });
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(d.db);
      const slow = sql`select pg_sleep(10)`.execute(d.db).then(() => undefined, (e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      await terminate(rows[0]!.pid);
      expect(await slow).toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/57P01|connection to PostgreSQL was lost/) });
      // The dead client may be handed out once more before its socket closes (another 503); then a new one.
      let one: number | undefined;
      for (let i = 0; i < 20 && one === undefined; i++) {
        one = await sql<{ one: number }>`select 1 as one`.execute(d.db).then((r) => r.rows[0]!.one, async () => void (await new Promise((r) => setTimeout(r, 50))));
      }
      expect(one).toBe(1);
    } finally {
      await d.destroy();
    }
  });

  // The job coordinator gives a refused job end up after 10 minutes, but never a ServiceUnavailable one: a full disk or a
  // server out of resources (class 53, as SQLite's SQLITE_FULL) must read as unavailable, not as a refusal for good. The
  // answer says what is wrong as SQLite's does ("the disk ... is full"), without PostgreSQL's message (it names files).
  it.each([
    ['53100', 'could not extend file "base/16384/2619": No space left on device', /: the disk holding the PostgreSQL database is full \(53100, disk_full\); free space on it\. Retry later\.$/],
    ['53200', 'out of memory', /: PostgreSQL is out of memory \(53200, out_of_memory\)\. Retry later\.$/],
    ['53300', 'sorry, too many clients already', /: PostgreSQL has no free connection slot \(53300, too_many_connections\)\. Retry later\.$/],
    ['57P03', 'the database system is starting up', /: PostgreSQL is starting up or shutting down \(57P03, cannot_connect_now\)\. Retry later\.$/],
    ['08006', 'connection failure', /: PostgreSQL answered 08006\. Retry later\.$/],
    ['58030', 'could not write to file "base/16384/2619": Input/output error', undefined],
    ['23514', 'new row for relation "jobs" violates check constraint', undefined],
  ])('PostgreSQL raising SQLSTATE %s (%s): ServiceUnavailable %s', async (code, message, unavailable) => {
    const d = await createPostgresDialect({ url: testPostgresUrl, maxConnections: 1 });
    try {
      const err = await sql.raw(`do $$ begin raise exception '${message}' using errcode = '${code}'; end $$`).execute(d.db).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject(unavailable ? { code: 'ServiceUnavailable', message: expect.stringMatching(unavailable) } : { code, message });
    } finally {
      await d.destroy();
    }
  });

  it('a statement that runs past the statement timeout is cancelled by the server: ServiceUnavailable, and the pool goes on', async () => {
    const d = await createPostgresDialect({ url: testPostgresUrl, maxConnections: 1, statementTimeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(sql`select pg_sleep(5)`.execute(d.db)).rejects.toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/PostgreSQL cancelled a statement \(57014: canceling statement due to statement timeout\)/) });
      expect(Date.now() - started).toBeLessThan(4_000);
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(d.db);
      expect(rows[0]!.one).toBe(1);
    } finally {
      await d.destroy();
    }
  });

  it('a server that stops answering (a frozen proxy) fails the statement waiting on it as ServiceUnavailable within the bound, and the connection is not reused', async () => {
    const target = new URL(testPostgresUrl);
    const proxy = await startFreezableProxy(target.hostname, Number(target.port || 5432));
    const url = new URL(testPostgresUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    // 1 s, not less: it also bounds a new connection's setup, which took up to half a second on a loaded machine.
    const d = await createPostgresDialect({ url: url.toString(), maxConnections: 1, answerTimeoutMs: 1_000 });
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(d.db);
      proxy.freeze();
      const started = Date.now();
      const frozen = sql`select 'late' as answer`.execute(d.db).then(() => undefined, (e: unknown) => e);
      // 2 x answerTimeoutMs is the bound; the rest is slack for a loaded machine.
      const outcome = await Promise.race([frozen, new Promise((r) => setTimeout(() => r('still waiting after 8 s'), 8_000))]);
      expect(outcome).toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/metadata store is unavailable: PostgreSQL did not answer/) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      proxy.thaw();
      // The statement given up on is answered late on its old connection; a reused connection would hand
      // that answer ('late') to the next statement. A fresh one answers this one, once the store's next
      // check of PostgreSQL is answered (until then statements fail at once: the outage is known).
      let again: { answer: string; pid: number } | undefined;
      for (let i = 0; i < 50 && again === undefined; i++) {
        again = await sql<{ answer: string; pid: number }>`select 'now' as answer, pg_backend_pid() as pid`.execute(d.db).then((r) => r.rows[0], async () => void (await new Promise((r) => setTimeout(r, 100))));
      }
      expect(again).toMatchObject({ answer: 'now' });
      expect(again!.pid).not.toBe(rows[0]!.pid);
    } finally {
      proxy.thaw();
      await d.destroy();
      await proxy.close();
    }
  });

  it('closing the store while a statement waits on a server that stopped answering ends within the bound (the statement fails ServiceUnavailable)', async () => {
    // `loam up` stopping during a freeze: the pool's end waits for every checked-out connection, so
    // the watch must go on giving up the statements still waiting until the pool has ended.
    const target = new URL(testPostgresUrl);
    const proxy = await startFreezableProxy(target.hostname, Number(target.port || 5432));
    const url = new URL(testPostgresUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    const d = await createPostgresDialect({ url: url.toString(), maxConnections: 2, answerTimeoutMs: 1_000 });
    let destroyed: Promise<unknown> | undefined;
    try {
      await sql`select 1`.execute(d.db);
      proxy.freeze();
      const frozen = sql`select 'late' as answer`.execute(d.db).then(() => undefined, (e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      destroyed = d.destroy().then(() => 'destroyed', (e: unknown) => e);
      // 2 x answerTimeoutMs is the bound; the rest is slack for a loaded machine.
      const outcome = await Promise.race([destroyed, new Promise((r) => setTimeout(() => r('destroy still waiting after 8 s'), 8_000))]);
      expect(outcome).toBe('destroyed');
      expect(await frozen).toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/PostgreSQL did not answer/) });
    } finally {
      proxy.thaw();
      await destroyed;
      await proxy.close();
    }
  });

  it('a long statement on a server that answers is not cut off by the answer timeout', async () => {
    // The check opens a fresh connection, which must be answered within answerTimeoutMs: on a loaded
    // 2-core machine that took up to half a second, so 200 ms here failed about one run in eight.
    const d = await createPostgresDialect({ url: testPostgresUrl, maxConnections: 1, answerTimeoutMs: 2_000 });
    try {
      // Outlasts the answer timeout twice: PostgreSQL is checked twice while it runs.
      const { rows } = await sql<{ done: string }>`select pg_sleep(4.5)::text as done`.execute(d.db);
      expect(rows).toHaveLength(1);
    } finally {
      await d.destroy();
    }
  });
});
