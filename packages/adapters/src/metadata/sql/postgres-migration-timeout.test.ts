import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { silentLogger, type CollectionSpec } from '@loam/core';
import { layoutOf } from './collection-layout.js';
import { createPostgresDialect } from './dialects/postgres.js';
import { migrate } from './migrations.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

// The pool's statement timeout (60 s in production) bounds requests, not the metadata migrations: a
// unique index on an existing collection is one CREATE INDEX proportional to the table. Scaled down
// here with the table, as for the experiment store (experiments/postgres-migration-timeout.test.ts).
const schema = useFreshPostgresSchema();
const ROWS = 600_000;

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
  const d = await createPostgresDialect({ url: testPostgresUrl, schema, statementTimeoutMs: 200 });
  try {
    await migrate(d, [layoutOf(v2)], silentLogger);
    const dup = sql`insert into items (pk, doc, version, ix_name) values ('other', '{}', 1, md5('1'))`.execute(d.db);
    await expect(dup).rejects.toMatchObject({ code: '23505' });
  } finally {
    await d.destroy();
  }
}, 180_000);
