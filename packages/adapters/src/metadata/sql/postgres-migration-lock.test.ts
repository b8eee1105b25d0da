import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { CollectionSpec, Logger } from '@loam/core';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { layoutOf } from './collection-layout.js';
import { createPostgresDialect } from './dialects/postgres.js';
import { migrateExperiments } from './experiments/experiment-migrations.js';
import { migrate } from './migrations.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

// A second server starting while another migrates waits on the migration lock (a session advisory lock,
// Kysely's key). The pool's statement timeout (60 s in production) cancelled that wait, so the server
// failed with "PostgreSQL cancelled a statement" during any migration longer than that. Scaled down
// here: another connection holds the lock for several times the timeout.
const schema = useFreshPostgresSchema();
const upToDateSchema = useFreshPostgresSchema();
const MIGRATION_LOCK_ID = '3853314791062309107';
// Not shorter: the start's own statements before the wait (the Migrator's bookkeeping) must fit in it on a
// loaded machine (300 ms cut them at a load of 26).
const TIMEOUT_MS = 1_500;

const upToDateItems: CollectionSpec<any> = { name: 'items', key: 'id', indexes: {} };

it("a server waits for another's migration past its statement timeout, saying why, and migrates once it ends", async ({ task }) => {
  // A collection of its own per attempt: a retry's start with nothing to migrate would not wait at all.
  const items: CollectionSpec<any> = { name: nameForAttempt(task, 'items').replace('-', '_'), key: 'id', indexes: {} };
  const { default: pg } = await import('pg');
  const other = new pg.Client({ connectionString: testPostgresUrl });
  await other.connect();
  const lines: string[] = [];
  const logger: Logger = { debug() {}, info: (_f, message) => void lines.push(message), warn() {}, error() {}, child: () => logger };
  const d = await createPostgresDialect({ url: testPostgresUrl, schema, statementTimeoutMs: TIMEOUT_MS, logger });
  try {
    await other.query(`select pg_advisory_lock(${MIGRATION_LOCK_ID})`);
    let settled: string | undefined;
    const migrating = migrate(d, [layoutOf(items)], logger).then(() => void (settled = 'migrated'), (e: Error) => void (settled = `failed: ${e.message}`));
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 6));
    expect(settled).toBeUndefined();
    expect(lines).toContain("waiting for another Loam server's migration");
    await other.query(`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`);
    await migrating;
    expect(settled).toBe('migrated');
    await d.db.insertInto(items.name).values({ pk: 'a', doc: '{"id":"a"}', version: 1 }).execute();
    // The wait lifted the timeout for itself only: requests are bounded again.
    await expect(sql`select pg_sleep(${(TIMEOUT_MS * 3) / 1000})`.execute(d.db)).rejects.toMatchObject({ code: 'ServiceUnavailable' });
  } finally {
    await other.end();
    await d.destroy();
  }
}, 60_000);

// A start with nothing to migrate does not run Kysely's Migrator (which looked for its tables by reading
// every table and column of the database, four times per start: seconds on a database of thousands of
// tables), so it never waits on the migration lock either: a restart is not held behind another
// server's long migration of collections it already has.
it('a server whose migrations are all applied starts without taking the migration lock another server holds', async () => {
  const { default: pg } = await import('pg');
  const other = new pg.Client({ connectionString: testPostgresUrl });
  await other.connect();
  const lines: string[] = [];
  const logger: Logger = { debug() {}, info: (_f, message) => void lines.push(message), warn() {}, error() {}, child: () => logger };
  const d = await createPostgresDialect({ url: testPostgresUrl, schema: upToDateSchema, logger });
  try {
    await migrate(d, [layoutOf(upToDateItems)], logger);
    await migrateExperiments(d, logger);
    // The lock is the database's, also taken by other test files' migrations: a first start may have waited for one.
    lines.length = 0;
    await other.query(`select pg_advisory_lock(${MIGRATION_LOCK_ID})`);
    const restarted = Promise.all([migrate(d, [layoutOf(upToDateItems)], logger), migrateExperiments(d, logger)]).then(() => 'started', (e: Error) => `failed: ${e.message}`);
    const outcome = await Promise.race([restarted, new Promise((r) => setTimeout(() => r('still waiting after 10 s'), 10_000))]);
    expect(outcome).toBe('started');
    expect(lines).not.toContain("waiting for another Loam server's migration");
  } finally {
    await other.query(`select pg_advisory_unlock_all()`).catch(() => undefined);
    await other.end();
    await d.destroy();
  }
}, 60_000);
