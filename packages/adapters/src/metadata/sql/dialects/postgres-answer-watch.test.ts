import { randomBytes } from 'node:crypto';
import { startFreezableProxy, type FreezableProxy } from '@loam/testkit/net/freezable-proxy';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { createPostgresDialect } from './postgres.js';

// What the store does after the first statement PostgreSQL did not answer (postgres-unavailable.test.ts
// has that first one): while the outage is known, statements fail at once rather than each waiting to
// learn it again, closing does not wait once per store, and one connection that stops passing answers
// while PostgreSQL answers new ones is discarded instead of waiting for TCP (hours). The faults are real:
// a TCP proxy between the store and PostgreSQL that stops passing bytes, on every connection or on
// those open at the moment only.

const schema = useFreshPostgresSchema();

async function proxied(): Promise<{ proxy: FreezableProxy; url: string }> {
  const target = new URL(testPostgresUrl);
  const proxy = await startFreezableProxy(target.hostname, Number(target.port || 5432));
  const url = new URL(testPostgresUrl);
  url.host = `127.0.0.1:${proxy.port}`;
  return { proxy, url: url.toString() };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const failure = (p: Promise<unknown>) => p.then(() => 'answered', (e: unknown) => e);
/** `p`'s outcome, or a string naming what was still pending after `ms` (what the old code did). */
const within = <T,>(ms: number, what: string, p: Promise<T>) => Promise.race([p, sleep(ms).then(() => `${what} still waiting after ${ms} ms`)]);

async function processExists(pid: number): Promise<boolean> {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    return (await admin.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('PostgreSQL dialect once it knows PostgreSQL does not answer', () => {
  it('fails further statements at once, also in a transaction, and answers again soon after PostgreSQL does', async () => {
    const { proxy, url } = await proxied();
    const answerTimeoutMs = 2_000;
    const d = await createPostgresDialect({ url, maxConnections: 2, answerTimeoutMs });
    try {
      // Two pooled connections, so a statement after the first failure gets an open one (not a new connection's timeout).
      await Promise.all([sql`select pg_sleep(0.1)`.execute(d.db), sql`select pg_sleep(0.1)`.execute(d.db)]);
      proxy.freeze();
      expect(await failure(sql`select 1`.execute(d.db))).toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/PostgreSQL did not answer/) });
      // Known now: each fails before a statement could even reach its first check (the old code waited twice answerTimeoutMs each time).
      for (const attempt of ['a read', 'another read', 'a transaction']) {
        const p = attempt === 'a transaction' ? d.db.transaction().execute((tx) => sql`select 1`.execute(tx)) : sql`select 1`.execute(d.db);
        expect(await within(answerTimeoutMs / 2, attempt, failure(p))).toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/PostgreSQL did not answer \(not since /) });
        await sleep(300);
      }
      proxy.thaw();
      // A check runs every tick while it is silent: the first one after the thaw clears it.
      let answer: unknown;
      const deadline = Date.now() + 4 * answerTimeoutMs;
      while (answer !== 1 && Date.now() < deadline) {
        answer = await sql<{ one: number }>`select 1 as one`.execute(d.db).then((r) => r.rows[0]!.one, async (e: unknown) => (await sleep(100), e));
      }
      expect(answer).toBe(1);
    } finally {
      proxy.thaw();
      await d.destroy();
      await proxy.close();
    }
  });

  it('closing two stores of one frozen server, each with a statement waiting, waits about one answer timeout, not two per store', async () => {
    const { proxy, url } = await proxied();
    const answerTimeoutMs = 3_000;
    // The metadata and experiment stores of one `loam up`: two pools on one server.
    const a = await createPostgresDialect({ url, answerTimeoutMs });
    const b = await createPostgresDialect({ url, answerTimeoutMs });
    let closed: Promise<unknown> | undefined;
    try {
      await Promise.all([sql`select 1`.execute(a.db), sql`select 1`.execute(b.db)]);
      proxy.freeze();
      const waitingA = failure(sql`select 'a'`.execute(a.db));
      await sleep(500);
      const waitingB = failure(sql`select 'b'`.execute(b.db));
      closed = (async () => {
        await a.destroy();
        await b.destroy();
        return 'closed';
      })();
      // Closing checks PostgreSQL at once (one answer timeout), and what it learns holds for both stores.
      expect(await within(answerTimeoutMs * 1.5, 'closing both stores', closed)).toBe('closed');
      for (const w of [waitingA, waitingB]) expect(await w).toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/PostgreSQL did not answer/) });
    } finally {
      proxy.thaw();
      await closed;
      await proxy.close();
    }
  });
});

describe('PostgreSQL dialect when one connection stops passing answers while PostgreSQL answers new ones', () => {
  it('a read on it is answered on a fresh connection within the bound, and its server process is ended', async () => {
    const { proxy, url } = await proxied();
    const d = await createPostgresDialect({ url, maxConnections: 1, answerTimeoutMs: 1_000 });
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(d.db);
      await sleep(200);
      proxy.freezeOpen();
      // The old code waited for TCP keepalive (hours): PostgreSQL answered every check, so it was only "slow".
      const outcome = await within(8_000, 'a read on the dropped connection', sql<{ answer: string; pid: number }>`select 'now' as answer, pg_backend_pid() as pid`.execute(d.db).then((r) => r.rows[0]));
      expect(outcome).toMatchObject({ answer: 'now' });
      expect((outcome as { pid: number }).pid).not.toBe(rows[0]!.pid);
      expect(await processExists(rows[0]!.pid)).toBe(false);
    } finally {
      proxy.thaw();
      await d.destroy();
      await proxy.close();
    }
  });

  it('a write outside a transaction that never reached PostgreSQL runs once on a fresh connection; a transaction on it fails ServiceUnavailable and leaves nothing', async () => {
    const { proxy, url } = await proxied();
    const d = await createPostgresDialect({ url, schema, maxConnections: 1, answerTimeoutMs: 1_000 });
    const table = sql.id(`writes_${randomBytes(4).toString('hex')}`);
    try {
      await d.prepare();
      await sql`create table ${table} (v text primary key)`.execute(d.db);
      await sleep(200);
      proxy.freezeOpen();
      const written = await within(8_000, 'a write on the dropped connection', sql`insert into ${table} values ('outside')`.execute(d.db).then(() => 'written', (e: unknown) => e));
      expect(written).toBe('written');

      const inTransaction = d.db.transaction().execute(async (tx) => {
        await sql`insert into ${table} values ('in-transaction')`.execute(tx);
        await sleep(200);
        proxy.freezeOpen();
        await sql`insert into ${table} values ('in-transaction-2')`.execute(tx);
      });
      expect(await within(8_000, 'a transaction on the dropped connection', failure(inTransaction))).toMatchObject({
        code: 'ServiceUnavailable',
        message: expect.stringMatching(/PostgreSQL did not answer on one connection while it answers new ones \(the connection was closed; the statement (was not run|may have run)\)/),
      });
      // The held bytes reach PostgreSQL now, on connections whose processes were ended: nothing more runs.
      proxy.thaw();
      await sleep(300);
      const { rows } = await sql<{ v: string }>`select v from ${table} order by v`.execute(d.db);
      expect(rows.map((r) => r.v)).toEqual(['outside']);
    } finally {
      proxy.thaw();
      await d.destroy();
      await proxy.close();
    }
  });

  it('a write held on its way that arrives after the check found its connection idle is not run again: it answers 503 "may have run" and is stored once', async () => {
    const target = new URL(testPostgresUrl);
    const table = `writes_${randomBytes(4).toString('hex')}`;
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: testPostgresUrl });
    await admin.connect();
    const stored = async () => Number((await admin.query(`select count(*) as n from ${schema}.${table}`)).rows[0].n);
    let armed = false;
    let accepted = 0;
    // After the dropped connection's check (the first connection the store opens then), the second ends
    // its process: before that one reaches PostgreSQL, the write held on its way arrives and commits, and
    // its answer stays held (the path came back one way only). The old code ended the process, judged
    // the write not run from what the check had seen, and ran it again on a fresh connection.
    const proxy = await startFreezableProxy(target.hostname, Number(target.port || 5432), {
      beforeConnect: async () => {
        if (!armed || ++accepted !== 2) return;
        proxy.thawToServer();
        for (let i = 0; i < 100 && (await stored()) === 0; i++) await sleep(50);
      },
    });
    const url = new URL(testPostgresUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    const d = await createPostgresDialect({ url: url.toString(), schema, maxConnections: 1, answerTimeoutMs: 1_000 });
    try {
      await d.prepare();
      await sql`create table ${sql.id(table)} (v text)`.execute(d.db);
      await sleep(200);
      proxy.freezeOpen();
      armed = true;
      const written = await within(10_000, 'a write whose answer is lost', failure(sql`insert into ${sql.id(table)} values ('once')`.execute(d.db)));
      expect(await stored()).toBe(1);
      expect(written).toMatchObject({
        code: 'ServiceUnavailable',
        message: expect.stringMatching(/PostgreSQL did not answer on one connection while it answers new ones \(the connection was closed; the statement may have run\)/),
      });
    } finally {
      proxy.thaw();
      await d.destroy();
      await proxy.close();
      await admin.end();
    }
  });
});
