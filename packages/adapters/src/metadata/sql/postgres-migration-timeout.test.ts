import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { silentLogger, type CollectionSpec } from '@loam/core';
import { layoutOf } from './collection-layout.js';
import { createPostgresDialect } from './dialects/postgres.js';
import { migrate } from './migrations.js';
import { holdTable } from './postgres-lock.test-support.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

// The pool's statement timeout (60 s in production) bounds requests, not the metadata migrations: a
// unique index on an existing collection is one CREATE INDEX proportional to the table. Here the CREATE
// INDEX is held past the timeout by a writer's lock, for as long as the test says, as for the experiment
// store (experiments/postgres-migration-timeout.test.ts): a timeout scaled down to 200 ms with the table
// cut the Migrator's own bookkeeping (Kysely reads every table's columns to find its tables) on a loaded
// machine instead.
const schema = useFreshPostgresSchema();
const ROWS = 20_000;
const STATEMENT_TIMEOUT_MS = 3_000;

const v1: CollectionSpec<any> = { name: 'items', key: 'id', indexes: { name: 'text' } };
const v2: CollectionSpec<any> = { ...v1, unique: ['name'] };

it('a metadata migration that indexes a table larger than the statement timeout allows completes', async () => {
  const fill = await createPostgresDialect({ url: testPostgresUrl, schema });
  try {
    await migrate(fill, [layoutOf(v1)], silentLogger);
    await sql`insert into items (pk, doc, version, ix_name)
      select 'item-' || g, json_build_object('id', 'item-' || g, 'name', md5(g::text))::text, 1, md5(g::text) from generate_series(1, ${ROWS}) g`.execute(fill.db);
  } finally {
    await fill.destroy();
  }
  // A writer's transaction holds items (ROW EXCLUSIVE), which CREATE INDEX's SHARE lock waits for.
  const writer = await holdTable(schema, 'items', 'row exclusive');
  const d = await createPostgresDialect({ url: testPostgresUrl, schema, statementTimeoutMs: STATEMENT_TIMEOUT_MS });
  try {
    const migrated = migrate(d, [layoutOf(v2)], silentLogger).then(() => undefined, (e: unknown) => e);
    // Until the CREATE INDEX has waited the statement timeout and a second more (PostgreSQL's clock).
    await writer.waitedOnFor('%unique index%items%', STATEMENT_TIMEOUT_MS + 1_000, migrated);
    await writer.release();
    expect(await migrated).toBeUndefined();
    const dup = sql`insert into items (pk, doc, version, ix_name) values ('other', '{}', 1, md5('1'))`.execute(d.db);
    await expect(dup).rejects.toMatchObject({ code: '23505' });
    // The pool's timeout still bounds every other statement once the migration committed.
    await expect(sql`select pg_sleep(${STATEMENT_TIMEOUT_MS / 1000 + 2})`.execute(d.db)).rejects.toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/57014/) });
  } finally {
    await writer.release();
    await d.destroy();
  }
}, 180_000);
