import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type CollectionSpec, type MetadataStore } from '@loam/core';
import { layoutOf } from './collection-layout.js';
import { createSqlDialect } from './dialects/registry.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { migratorSchema, unboundedMigrations } from './migration-schema.js';
import { BASE_MIGRATION, buildMigrations } from './migrations.js';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { holdTable, watchingSession } from './postgres-lock.test-support.js';
import { testPostgresUrl, useFreshPostgresSchemas } from './postgres-test-schema.js';

/*
 * The metadata store's own indexes added to a table that has rows — a collection's order index (orderIndexes) or
 * field index (a new `indexes` field), base:0002's lineage_edges_created_at — were built with a plain CREATE INDEX
 * in the Migrator's one transaction: on PostgreSQL every write to the table by the servers still running waited
 * until the build over the whole table, and every migration after it, committed. They are now built as the tags
 * and experiment time indexes are: CREATE INDEX CONCURRENTLY after the migrations (onlineIndexesMigration,
 * SqlDialect.buildIndexesOnline), with the definition a fresh database gets in its migration.
 */

interface Item {
  id: string;
  created?: number;
  size?: number;
}
const v1: CollectionSpec<Item> = { name: 'items', key: 'id', indexes: { created: 'integer' } };
/** A later Loam's spec: a listing in `created` order. */
const withOrder: CollectionSpec<Item> = { ...v1, orderIndexes: [{ sortBy: 'created' }] };
/** A later Loam's spec: `size` indexed too. */
const withField: CollectionSpec<Item> = { ...v1, indexes: { created: 'integer', size: 'integer' } };

describe('the metadata store on PostgreSQL tables with rows (online index builds)', () => {
  const freshSchema = useFreshPostgresSchemas();
  const closing: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const c of closing.reverse()) await c.close().catch(() => undefined);
  });
  const open = async (schema: string, collections: CollectionSpec<any>[]) => {
    const s = await openSqlMetadataStore({ url: testPostgresUrl, schema, collections });
    closing.push(s);
    return s;
  };
  /** Each index's definition and validity, the schema's name taken out (to compare two schemas). */
  const indexes = async (watch: { fresh<T>(text: string): Promise<T[]> }, schema: string, names: string[]) =>
    watch.fresh<{ name: string; def: string; valid: boolean }>(`select c.relname as name, replace(pg_get_indexdef(c.oid), '${schema}.', '') as def, i.indisvalid as valid
      from pg_class c join pg_index i on i.indexrelid = c.oid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = '${schema}' and c.relname in (${names.map((n) => `'${n}'`).join(', ')}) order by 1`);

  it("an order index added to a collection: another server's writes go on while it is built; one killed midway is built again at the next start", async () => {
    // A schema of its own per attempt (a retried attempt would find the order index applied).
    const own = freshSchema();
    const reference = freshSchema();
    // A server of the Loam before the order index: it keeps writing during the upgrade.
    const older: MetadataStore = await open(own, [v1]);
    await older.collection(v1).insert({ id: 'a', created: 2 });
    const watch = await watchingSession(own);
    closing.push(watch);
    // A write of the table held open (a long transaction of another server): the build waits for it.
    const held = await holdTable(own, 'items', 'row exclusive');
    closing.push({ close: () => held.release() });
    const upgrading = open(own, [withOrder]).then(() => 'opened', (e: Error) => e.message);
    const builder = await watch.indexBuildWaiting('items', 'items__o____created');
    const writing = older.collection(v1).insert({ id: 'b', created: 1 }).then(() => 'written', (e: Error) => e.message);
    // A plain CREATE INDEX's ShareLock, queued behind the held write, makes this write wait as long as the build.
    const stuck = watch.writeBlockedBy('items', builder).then((blocked) => (blocked ? 'the write waits for the index build' : 'stopped'));
    try {
      expect(await Promise.race([writing, stuck])).toBe('written');
      // A crash mid-build: the build's connection ends, leaving the index INVALID.
      await watch.holder.query('select pg_terminate_backend($1)', [builder]);
      expect(await upgrading).not.toBe('opened');
      expect((await indexes(watch, own, ['items__o____created'])).map((x) => x.valid)).toEqual([false]);
      await watch.backendGone(builder);
    } finally {
      watch.stop();
      await held.release();
    }
    // The next start drops it and builds it again: the definition a new database gets in its migration.
    const again = await open(own, [withOrder]);
    await open(reference, [withOrder]);
    const built = await indexes(watch, own, ['items__o____created']);
    expect(built).toEqual(await indexes(watch, reference, ['items__o____created']));
    expect(built).toEqual([{ name: 'items__o____created', def: 'CREATE INDEX items__o____created ON items USING btree (((ix_created IS NULL)), ix_created, pk)', valid: true }]);
    expect((await again.collection(withOrder).list({ sortBy: 'created' })).items.map((r) => r.value.id)).toEqual(['b', 'a']);
  });

  it("base:0002's and a new field's index are built after the migrations commit: writes to their tables go on while a long transaction holds the builds back", async () => {
    const own = freshSchema();
    const reference = freshSchema();
    // A database of a Loam before base:0002, with an edge and a collection with rows.
    const old: SqlDialect = await createSqlDialect({ url: testPostgresUrl, schema: own, logger: silentLogger });
    closing.push({ close: () => old.destroy() });
    await old.prepare();
    const all = buildMigrations(old, [layoutOf(v1 as CollectionSpec<any>)]);
    const first = Object.fromEntries([BASE_MIGRATION, 'collection:items:v1', 'collection:items:v1:index:created'].map((n) => [n, all[n]!]));
    const before = await new Migrator({ db: old.db, provider: { getMigrations: async () => unboundedMigrations(old, first) }, allowUnorderedMigrations: true, ...migratorSchema(old) }).migrateToLatest();
    if (before.error !== undefined) throw before.error;
    await old.db.insertInto('lineage_edges').values({ source_arn: 'arn:s', destination_arn: 'arn:d', association_type: 'ContributedTo', created_at: 1 }).execute();
    await old.db.insertInto('items').values({ pk: 'a', doc: JSON.stringify({ id: 'a', created: 1, size: 3 }), version: 1, ix_created: 1 }).execute();

    const watch = await watchingSession(own);
    closing.push(watch);
    // A long transaction on another table (a report's snapshot): a concurrent build waits for it to end, last.
    await watch.holder.query('begin isolation level repeatable read');
    await watch.holder.query('select count(*) from collections');
    const upgrading = open(own, [withField]).then(() => 'opened', (e: Error) => e.message);
    try {
      // With the old code the migration built both indexes and committed: the store opened at once.
      const building = watch.indexBuildWaiting('lineage_edges', 'lineage_edges_created_at').then((pid) => pid, () => undefined);
      const first = await Promise.race([building, upgrading]);
      expect(first, 'the store opened with no index left to an online build').toEqual(expect.any(Number));
      const builder = first as number;
      // The migrations committed: another server writes to both tables while the build waits.
      const edge = old.db.insertInto('lineage_edges').values({ source_arn: 'arn:s2', destination_arn: 'arn:d', association_type: 'ContributedTo', created_at: 2 }).execute().then(() => 'written', (e: Error) => e.message);
      const item = old.db.insertInto('items').values({ pk: 'b', doc: JSON.stringify({ id: 'b', created: 2, size: 4 }), version: 1, ix_created: 2 }).execute().then(() => 'written', (e: Error) => e.message);
      const stuck = watch.writeBlockedBy('lineage_edges', builder).then((blocked) => (blocked ? 'the write waits for the index build' : 'stopped'));
      expect(await Promise.race([Promise.all([edge, item]), stuck])).toEqual(['written', 'written']);
    } finally {
      watch.stop();
      await watch.holder.query('rollback');
    }
    expect(await upgrading).toBe('opened');
    await open(reference, [withField]);
    const names = ['items__created', 'items__size', 'lineage_edges_created_at'];
    const built = await indexes(watch, own, names);
    expect(built).toEqual(await indexes(watch, reference, names));
    expect(built.map((x) => x.valid)).toEqual([true, true, true]);
  });
});
