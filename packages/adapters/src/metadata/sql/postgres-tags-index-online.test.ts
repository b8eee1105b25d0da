import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type MetadataStore } from '@loam/core';
import { createSqlDialect } from './dialects/registry.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { migratorSchema, unboundedMigrations } from './migration-schema.js';
import { buildMigrations, COMPATIBLE_TABLE_MIGRATION } from './migrations.js';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { watchingSession } from './postgres-lock.test-support.js';
import { testPostgresUrl, useFreshPostgresSchemas } from './postgres-test-schema.js';
import { SqlSession } from './session.js';
import { SqlTagStore } from './sql-tags.js';

/*
 * base:0005 (tags_by_key, 91108496) built its index with a plain CREATE INDEX in the Migrator's transaction: on
 * PostgreSQL every tag write of the servers still running while one upgrades (AddTags, a create with Tags, a
 * delete) waited until the build over the whole tags table, and every migration after it, committed. It is now
 * built as the experiment store's time indexes are (210f9263): CREATE INDEX CONCURRENTLY after the Migrator
 * (SqlDialect.buildIndexesOnline), an interrupted build's INVALID index dropped and built again at the next start.
 * The build is held by a write of tags the test keeps open (a concurrent build waits for the table's writers), and
 * killed there as a crash would end it.
 */
describe('base:0005 on a PostgreSQL tags table with rows (online index build)', () => {
  const freshSchema = useFreshPostgresSchemas();
  const closing: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const c of closing) await c.close().catch(() => undefined);
  });

  it('tag writes go on while tags_by_key is built; a build killed midway leaves it INVALID, dropped and built again at the next start', async () => {
    // A schema of its own per attempt (a retried attempt would find base:0005 applied), at base:0004 with a tag.
    const own = freshSchema();
    const older: SqlDialect = await createSqlDialect({ url: testPostgresUrl, schema: own, logger: silentLogger });
    closing.push({ close: () => older.destroy() });
    await older.prepare();
    const migrator = new Migrator({ db: older.db, provider: { getMigrations: async () => unboundedMigrations(older, buildMigrations(older, [])) }, allowUnorderedMigrations: true, ...migratorSchema(older) });
    const before = await migrator.migrateTo(COMPATIBLE_TABLE_MIGRATION);
    if (before.error !== undefined) throw before.error;
    // The tag store of a server still running the version before base:0005.
    const tags = new SqlTagStore(new SqlSession(older, older.db, new Map(), false));
    await tags.put('arn:first', [{ Key: 'team', Value: 'blue' }]);

    const { holder, fresh, until, stop, close, indexBuildWaiting, writeBlockedBy, backendGone } = await watchingSession(own);
    closing.push({ close });
    const index = () => fresh<{ valid: boolean }>(`select i.indisvalid as valid from pg_class c join pg_index i on i.indexrelid = c.oid
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${own}' and c.relname = 'tags_by_key'`);

    // A write of tags held open: the upgrade's build waits for it.
    await holder.query('begin');
    await holder.query(`update tags set tag_value = 'blue' where resource_arn = 'arn:first'`);
    const upgrading = openSqlMetadataStore({ url: testPostgresUrl, schema: own, collections: [] }).then((s) => {
      closing.push(s);
      return 'opened';
    }, (e: Error) => e.message);
    const builder = await indexBuildWaiting('tags', 'tags_by_key');
    // Another server's tag write meanwhile: answered, not queued behind the build (a plain CREATE INDEX's ShareLock).
    const writing = tags.put('arn:during-the-build', [{ Key: 'team', Value: 'blue' }]).then(() => 'written', (e: Error) => e.message);
    const stuck = (async () => {
      // The write waiting on a lock is the failure: with a plain build it waits as long as the build does.
      return (await writeBlockedBy('tags', builder)) ? 'the tag write waits for the index build' : 'stopped';
    })();
    try {
      expect(await Promise.race([writing, stuck])).toBe('written');
      // A crash mid-build: the build's connection ends.
      await holder.query('select pg_terminate_backend($1)', [builder]);
      expect(await upgrading).not.toBe('opened');
      expect(await index()).toEqual([{ valid: false }]);
      // Gone, its session's locks with it (a start finding the build's lock held leaves the build to its holder).
      await backendGone(builder);
    } finally {
      stop();
      await holder.query('rollback');
    }

    // The next start drops the INVALID index and builds it; the store finds both tagged resources.
    const again: MetadataStore = await openSqlMetadataStore({ url: testPostgresUrl, schema: own, collections: [] });
    closing.push(again);
    expect(await index()).toEqual([{ valid: true }]);
    expect(await again.tags.tagged('team', ['blue'])).toEqual([{ ResourceArn: 'arn:during-the-build', Value: 'blue' }, { ResourceArn: 'arn:first', Value: 'blue' }]);
  });
});
