import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { InternalError, type Logger } from '@loam/core';
import type { OnlineIndex, SqlDialect } from './dialects/sql-dialect.js';
import { allApplied, appliedMigrations, compatibleMigrations, compatibleTableMigration, createIndexesOrLeaveOnline, declaredOnlineIndexes, migratorSchema, onlineIndexesMigration, recordingCompatible, refuseNewerSchema, unboundedMigrations, type FlaggedMigration } from './migration-schema.js';
import { KEY_COLUMN, fieldIndex, fitsType, indexColumn, orderIndex, type CollectionLayout, type IndexType } from './collection-layout.js';
import { LINEAGE_LIVES_MIGRATION, lineageLivesMigration } from './lineage-lives-migration.js';

/*
 * Every schema change goes through Kysely's Migrator with migrations generated in code:
 *
 *   base:0001:shared-tables                 tags, lineage_edges and the collections registry
 *   base:0002:lineage-edges-created-at      lineage_edges in creation order (ListAssociations' default listing)
 *   base:0003:lineage-edges-lives           which edges a Loam retiring lineage vertices recorded (lineage-lives-migration.ts)
 *   base:0004:compatible-migrations         kysely_migration_compatible: the applied migrations an older Loam may run beside
 *   base:0005:tags-by-key                   tags by (key, value, ARN): the resources having a tag (TagStore.tagged, Search's Tags filters)
 *   base:0006:tags-by-key-arn               tags by (key, ARN, value): a key's resources of one type, in ARN order (TagStore.tagged's range)
 *   collection:<name>:v1                    the table: pk, doc (JSON text), version
 *   collection:<name>:v1:index:<field>      one typed column ix_<field>, backfilled from doc, indexed
 *   collection:<name>:v1:unique:<field>     a unique index on that column
 *   collection:<name>:v1:order:[<within>:…]<field>
 *                                           an index in list order: ([ix_<within>, …] ix_<field> is null, ix_<field>, pk)
 *
 * Adding a collection, or adding a field to a spec's `indexes` or `unique`, therefore adds exactly
 * one migration, which runs on the next open and backfills the new column from the stored JSON.
 * The non-unique indexes a migration adds to a table that has rows (base:0002's, the tags indexes, a field's
 * and an order index) are built online on PostgreSQL after the migrations (onlineIndexesMigration, ADR 0003);
 * on SQLite, and on a table still empty (a new store, a new collection), in the migration's transaction.
 * Names sort so a table is created before its columns. Changing the type of an indexed field is
 * refused at open: index the value under a new field name instead. An order index is compatible
 * (FlaggedMigration): an older Loam that does not know it runs on beside it (ADR 0003).
 */

type Db = SqlDialect['db'];
type Registered = { key: string; indexes: Record<string, IndexType>; unique: string[] };

export const BASE_MIGRATION = 'base:0001:shared-tables';
export const LINEAGE_CREATED_AT_MIGRATION = 'base:0002:lineage-edges-created-at';
export const COMPATIBLE_TABLE_MIGRATION = 'base:0004:compatible-migrations';
export const TAGS_BY_KEY_MIGRATION = 'base:0005:tags-by-key';
export const TAGS_BY_KEY_ARN_MIGRATION = 'base:0006:tags-by-key-arn';
/** Kysely's Migrator's default table, which the metadata store's migrations use. */
const MIGRATION_TABLE = 'kysely_migration';

/**
 * ListAssociations with no end given lists lineage_edges by created_at (its default SortBy, either order,
 * ties by source then destination) and filters it by CreatedAfter/CreatedBefore: without an index in that
 * order every page read and sorted the whole table. The index is the listing's whole key, so a page reads
 * its own edges, from the keyset token on, and a time window only the edges inside it.
 * Built online on PostgreSQL where lineage_edges has rows (onlineIndexesMigration); a database that applied
 * base:0002 before holds it already (built in the migration's transaction then), with this very definition.
 */
export const LINEAGE_CREATED_AT_INDEX: OnlineIndex = { name: 'lineage_edges_created_at', table: 'lineage_edges', columns: ['created_at', 'source_arn', 'destination_arn'] };

/**
 * Search's `Tags.<key>` filters ask for the resources having a tag (TagStore.tagged): the primary key (ARN, key)
 * cannot find them without reading every tag. Keyed by value too, so an Equals or In reads its rows alone, and
 * covering (the ARN), so the table is not read. Built online on PostgreSQL where `tags` has rows
 * (onlineIndexesMigration, then SqlDialect.buildIndexesOnline at every start): a plain CREATE INDEX in the
 * Migrator's transaction made every tag write of the servers still running wait until the build over the whole
 * table, and the rest of the migrations, committed.
 */
export const TAGS_BY_KEY_INDEX: OnlineIndex = { name: 'tags_by_key', table: 'tags', columns: ['tag_key', 'tag_value', 'resource_arn'] };

/**
 * A search of one resource type asks for the resources having a key with that type's ARNs (TagStore.tagged's
 * `arnPrefix`), page by page in ARN order (`after`, `limit`): with tags_by_key a key's rows of every type were read
 * (and, without values, sorted), so a key on 100,000 endpoints cost a training-job search all of them. Here the
 * type is a range of ARNs under the key, read in order from a page's last ARN; covering (the value). Built online
 * as tags_by_key is.
 */
export const TAGS_BY_KEY_ARN_INDEX: OnlineIndex = { name: 'tags_by_key_arn', table: 'tags', columns: ['tag_key', 'resource_arn', 'tag_value'] };

/** Compatible: an older Loam writing tags runs on beside the index (and before it is built). */
function tagsIndexMigration(d: SqlDialect, index: OnlineIndex): FlaggedMigration {
  return { ...onlineIndexesMigration(d, [index]), compatible: true };
}

function baseMigration(d: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const s = (db as Db).schema;
      await s.createTable('tags')
        .addColumn('resource_arn', d.columnType('key'), (c) => c.notNull())
        .addColumn('tag_key', d.columnType('key'), (c) => c.notNull())
        .addColumn('tag_value', d.columnType('text'), (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['resource_arn', 'tag_key'])
        .execute();
      await s.createTable('lineage_edges')
        .addColumn('source_arn', d.columnType('key'), (c) => c.notNull())
        .addColumn('destination_arn', d.columnType('key'), (c) => c.notNull())
        .addColumn('association_type', d.columnType('text'), (c) => c.notNull())
        .addColumn('created_at', d.columnType('timestamp'), (c) => c.notNull())
        .addPrimaryKeyConstraint('lineage_edges_pk', ['source_arn', 'destination_arn'])
        .execute();
      await s.createIndex('lineage_edges_destination').on('lineage_edges').columns(['destination_arn', 'source_arn']).execute();
      await s.createTable('collections')
        .addColumn('name', d.columnType('key'), (c) => c.primaryKey())
        .addColumn('spec', d.columnType('json'), (c) => c.notNull())
        .addColumn('created_at', d.columnType('timestamp'), (c) => c.notNull())
        .execute();
    },
  };
}

async function updateRegistry(db: Db, table: string, change: (r: Registered) => void): Promise<void> {
  const row = (await db.selectFrom('collections').select('spec').where('name', '=', table).executeTakeFirstOrThrow()) as { spec: string };
  const spec = JSON.parse(row.spec) as Registered;
  change(spec);
  await db.updateTable('collections').set({ spec: JSON.stringify(spec) }).where('name', '=', table).execute();
}

/** Backfilled rows per statement: a key and a value each, far below PostgreSQL's 65,535 parameters. */
const BACKFILL_BATCH = 500;
/** The type a batch's values are cast to; SQLite gives these names the column's own affinity. */
const BACKFILL_CAST: Record<IndexType, string> = { text: 'text', integer: 'bigint', real: 'double precision' };

/**
 * Copies a newly indexed field from every stored document into its column, in key order: each batch
 * of rows is read, its values taken from the JSON here (the same checks as a write), and written by
 * one UPDATE … FROM (VALUES …). One UPDATE a row made indexing 86,400 stored metric minutes on
 * PostgreSQL take 24-62 s of round trips, during which the server did not start.
 */
async function backfill(db: Db, table: string, field: string, type: IndexType): Promise<void> {
  const column = indexColumn(field);
  let after: string | undefined;
  for (;;) {
    const batch = async (tx: Db) => {
      let q = tx.selectFrom(table).select([KEY_COLUMN, 'doc']).orderBy(KEY_COLUMN).limit(BACKFILL_BATCH);
      if (after !== undefined) q = q.where(KEY_COLUMN, '>', after);
      const rows = (await q.execute()) as { pk: string; doc: string }[];
      const values = rows.map((r) => {
        const v = (JSON.parse(r.doc) as Record<string, unknown>)[field] ?? null;
        // A value written before the field was indexed may not fit; it stays unindexed (NULL).
        return sql`(${r.pk}, ${fitsType(type, v) ? v : null})`;
      });
      // VALUES names its columns column1, column2 on both databases.
      if (values.length > 0) {
        await sql`update ${sql.table(table)} set ${sql.id(column)} = cast(v.column2 as ${sql.raw(BACKFILL_CAST[type])})
          from (values ${sql.join(values)}) as v where ${sql.ref(`${table}.${KEY_COLUMN}`)} = v.column1`.execute(tx);
      }
      return rows;
    };
    // Inside the Migrator's one transaction (both dialects report transactional DDL), so no batch commits alone.
    const rows = await batch(db);
    if (rows.length < BACKFILL_BATCH) return;
    after = rows[rows.length - 1]!.pk;
  }
}

function collectionMigrations(d: SqlDialect, layout: CollectionLayout): Record<string, FlaggedMigration> {
  const t = layout.table;
  const v1 = `collection:${t}:v1`;
  const out: Record<string, FlaggedMigration> = {
    [v1]: {
      async up(db: Kysely<unknown>) {
        await (db as Db).schema.createTable(t)
          .addColumn(KEY_COLUMN, d.columnType('key'), (c) => c.primaryKey())
          .addColumn('doc', d.columnType('json'), (c) => c.notNull())
          .addColumn('version', d.columnType('version'), (c) => c.notNull())
          .execute();
        const spec: Registered = { key: layout.spec.key, indexes: {}, unique: [] };
        await (db as Db).insertInto('collections').values({ name: t, spec: JSON.stringify(spec), created_at: Date.now() }).execute();
      },
    },
  };
  for (const [field, type] of layout.fields) {
    out[`${v1}:index:${field}`] = {
      onlineIndexes: [fieldIndex(t, field)],
      async up(db: Kysely<unknown>) {
        await (db as Db).schema.alterTable(t).addColumn(indexColumn(field), d.columnType(type)).execute();
        await backfill(db as Db, t, field, type);
        // Online where the table has rows (PostgreSQL): the new column and its backfill still hold the table
        // (ALTER TABLE's lock) until the migrations commit, but no longer through the index's build as well.
        await createIndexesOrLeaveOnline(d, db, [fieldIndex(t, field)]);
        await updateRegistry(db as Db, t, (r) => void (r.indexes[field] = type));
      },
    };
  }
  for (const field of layout.unique) {
    out[`${v1}:unique:${field}`] = {
      async up(db: Kysely<unknown>) {
        await (db as Db).schema.createIndex(`${t}__u__${field}`).on(t).column(indexColumn(field)).unique().execute();
        await updateRegistry(db as Db, t, (r) => void r.unique.push(field));
      },
    };
  }
  for (const o of layout.orders) {
    // Online where the table has rows (PostgreSQL): a plain CREATE INDEX in the Migrator's transaction made
    // every write to the table wait until the build, and the rest of the migrations, committed.
    out[`${v1}:order:${o.migration}`] = {
      // An index over columns an older Loam writes: one that does not know it runs on beside it.
      compatible: true,
      ...onlineIndexesMigration(d, [orderIndex(t, o)]),
    };
  }
  return out;
}

/** The full migration set for these collections, in Migrator's format. */
export function buildMigrations(d: SqlDialect, layouts: readonly CollectionLayout[], executed: readonly string[] = []): Record<string, Migration> {
  const ours: Record<string, FlaggedMigration> = {
    [BASE_MIGRATION]: baseMigration(d), [LINEAGE_CREATED_AT_MIGRATION]: onlineIndexesMigration(d, [LINEAGE_CREATED_AT_INDEX]), [LINEAGE_LIVES_MIGRATION]: lineageLivesMigration(d),
    [COMPATIBLE_TABLE_MIGRATION]: compatibleTableMigration(d, MIGRATION_TABLE), [TAGS_BY_KEY_MIGRATION]: tagsIndexMigration(d, TAGS_BY_KEY_INDEX),
    [TAGS_BY_KEY_ARN_MIGRATION]: tagsIndexMigration(d, TAGS_BY_KEY_ARN_INDEX),
  };
  for (const l of layouts) Object.assign(ours, collectionMigrations(d, l));
  const all = recordingCompatible(MIGRATION_TABLE, COMPATIBLE_TABLE_MIGRATION, ours);
  // A collection another process registered but this one did not open stays as it is, and so does a newer
  // Loam's compatible migration; Migrator only needs to see that their migrations still exist.
  for (const name of executed) all[name] ??= { up: async () => {} };
  return all;
}

/**
 * Applied migrations that a newer Loam made and an older one may not run beside: a shared table's (`base:*`)
 * or one of these collections' that this Loam does not know, unless their Loam recorded it as `compatible`
 * (kysely_migration_compatible). Another collection's are not: a process opens only the collections it uses
 * (buildMigrations keeps them as they are).
 */
export function newerMigrations(layouts: readonly CollectionLayout[], applied: readonly string[], compatible: ReadonlySet<string> = new Set()): string[] {
  const known = new Set(Object.keys(buildMigrations({} as SqlDialect, layouts)));
  const ours = ['base:', ...layouts.map((l) => `collection:${l.table}:`)];
  return applied.filter((n) => !known.has(n) && !compatible.has(n) && ours.some((p) => n.startsWith(p)));
}

/**
 * Brings the database up to date for these collections, then checks it agrees with the specs.
 * @throws InternalError for a database a newer Loam migrated ({@link newerMigrations}), before anything runs.
 */
export async function migrate(d: SqlDialect, layouts: readonly CollectionLayout[], log: Logger): Promise<void> {
  await d.prepare();
  const executed = await appliedMigrations(d, MIGRATION_TABLE);
  refuseNewerSchema(d, 'metadata store', newerMigrations(layouts, executed, await compatibleMigrations(d, MIGRATION_TABLE)));
  const migrations = buildMigrations(d, layouts, executed);
  if (!(await allApplied(d, MIGRATION_TABLE, Object.keys(migrations)))) {
    const migrator = new Migrator({ db: d.db, provider: { getMigrations: async () => unboundedMigrations(d, migrations) }, allowUnorderedMigrations: true, ...migratorSchema(d) });
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) {
      if (r.status === 'Success') log.info({ migration: r.migrationName, store: d.label }, 'metadata migration applied');
      if (r.status === 'Error') log.error({ migration: r.migrationName, store: d.label }, 'metadata migration failed');
    }
    if (error !== undefined) throw error;
  }
  await checkRegistry(d, layouts);
  // Every start: an index a migration left to an online build, or one a crash interrupted, is built now.
  // The indexes every migration of these collections declares (a database that applied them long ago has them:
  // one catalog read).
  await d.buildIndexesOnline?.(declaredOnlineIndexes(migrations).map((x) => x.index));
}

async function checkRegistry(d: SqlDialect, layouts: readonly CollectionLayout[]): Promise<void> {
  const rows = (await d.db.selectFrom('collections').select(['name', 'spec']).execute()) as { name: string; spec: string }[];
  const [conflict] = registryConflicts(layouts, rows, true);
  if (conflict !== undefined) throw new InternalError(conflict);
}

/**
 * Where the collections registry (rows of `collections`) disagrees with these specs, as messages: a
 * collection keyed or indexed differently (open refuses it). `requireAll`: a collection missing from
 * the registry is one too (after migration; before it, the migration will add it).
 */
export function registryConflicts(layouts: readonly CollectionLayout[], rows: readonly { name: string; spec: string }[], requireAll: boolean): string[] {
  const registered = new Map(rows.map((r) => [r.name, JSON.parse(r.spec) as Registered]));
  const out: string[] = [];
  for (const l of layouts) {
    const r = registered.get(l.table);
    if (r === undefined) {
      if (requireAll) out.push(`Collection '${l.table}' is missing from the registry after migration.`);
      continue;
    }
    if (r.key !== l.spec.key) out.push(`Collection '${l.table}' is keyed by '${r.key}' in the database but '${l.spec.key}' in its spec.`);
    for (const [field, type] of l.fields) {
      // A field this Loam indexes that the database does not index yet is a pending migration, not a conflict.
      if ((r.indexes[field] !== undefined || requireAll) && r.indexes[field] !== type) {
        out.push(`Collection '${l.table}' indexes '${field}' as ${r.indexes[field]} in the database but ${type} in its spec; index it under a new field name.`);
      }
    }
  }
  return out;
}
