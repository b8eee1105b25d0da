import { afterAll, describe, expect, it } from 'vitest';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { openSqlExperimentStore } from './experiments/open-sql-experiment-store.js';
import { holdTable } from './postgres-lock.test-support.js';
import { adminQuery, testPostgresUrl, useFreshPostgresSchemas } from './postgres-test-schema.js';

/*
 * A start reads which applied migrations their Loam recorded as compatible (b5961cf2). That read took any error
 * for "no such table, so none": a store failing the read (unreachable, a statement cancelled) made a database
 * holding a newer Loam's compatible migration read as one holding an incompatible one, and the start was refused
 * as "upgraded by a newer Loam … restore the backup". Only a missing table means none now; another failure
 * surfaces as what it is (ServiceUnavailable: retry later). The read is made to fail by a lock the test holds on
 * the table and the store's statement timeout.
 */
describe('a start whose read of the compatible migrations fails (PostgreSQL)', () => {
  const freshSchema = useFreshPostgresSchemas();
  const closing: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const c of closing) await c.close().catch(() => undefined);
  });

  const failure = (p: Promise<{ close(): Promise<unknown> }>) => p.then((s) => {
    closing.push(s);
    return { code: 'opened', message: '' };
  }, (e: Error & { code?: string }) => ({ code: e.code, message: e.message }));

  /** A schema of its own per attempt, migrated, holding a newer Loam's compatible migration; the compatible table locked until the test ends. */
  async function newerCompatible(open: (own: string) => Promise<{ close(): Promise<unknown> }>, table: string, name: string) {
    const own = freshSchema();
    await (await open(own)).close();
    await adminQuery(`insert into "${own}".${table} (name, timestamp) values ('${name}', now()::text); insert into "${own}".${table}_compatible (name) values ('${name}')`);
    const held = await holdTable(own, `${table}_compatible`, 'access exclusive');
    closing.push({ close: () => held.release() });
    return own;
  }

  it('the metadata store fails the start as unavailable, not as a newer Loam\'s database', async () => {
    const own = await newerCompatible((s) => openSqlMetadataStore({ url: testPostgresUrl, schema: s, collections: [] }), 'kysely_migration', 'base:0099:future-index');
    const e = await failure(openSqlMetadataStore({ url: testPostgresUrl, schema: own, collections: [], statementTimeoutMs: 2000 }));
    expect(e.message).not.toMatch(/newer Loam/);
    expect(e).toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/^The metadata store is unavailable: PostgreSQL cancelled a statement/) });
  });

  it('the experiment store fails the start as unavailable, not as a newer Loam\'s database', async () => {
    const own = await newerCompatible((s) => openSqlExperimentStore({ url: testPostgresUrl, schema: s }), 'loam_experiments_migration', 'experiments:0099:future-index');
    const e = await failure(openSqlExperimentStore({ url: testPostgresUrl, schema: own, statementTimeoutMs: 2000 }));
    expect(e.message).not.toMatch(/newer Loam/);
    expect(e).toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/^The metadata store is unavailable: PostgreSQL cancelled a statement/) });
  });
});
