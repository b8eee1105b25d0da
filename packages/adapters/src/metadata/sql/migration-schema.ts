import { sql, type Kysely, type Migration } from 'kysely';
import { InternalError } from '@loam/core';
import type { OnlineIndex, SqlDialect } from './dialects/sql-dialect.js';
import { indexKeys } from './online-index.js';

/**
 * Kysely Migrator's `migrationTableSchema` for this dialect: the Migrator looks for its own tables in
 * every schema of the database unless told which, so another deployment's (or test run's) schema
 * would otherwise pass for this one.
 */
export function migratorSchema(d: SqlDialect): { readonly migrationTableSchema?: string } {
  return d.schema === undefined ? {} : { migrationTableSchema: d.schema };
}

/**
 * The migrations, each run with no statement timeout (`SqlDialect.unboundedStatements`): the pool's
 * timeout bounds a request, but a migration's statement grows with the table it rebuilds or indexes,
 * and a cancelled one rolls back and fails the same way at every start.
 */
export function unboundedMigrations(d: SqlDialect, migrations: Record<string, Migration>): Record<string, Migration> {
  return Object.fromEntries(Object.entries(migrations).map(([name, m]) => [name, {
    ...m,
    async up(db: Kysely<any>) {
      await d.unboundedStatements(db);
      await m.up(db);
    },
  }]));
}

/**
 * Whether Kysely's Migrator would have nothing to do: its table `table` lists exactly these migrations
 * (a row is committed with its migration, and one it does not know is the Migrator's to refuse). Then it
 * is not run at all: it would only take its lock and look for its tables, each look reading every table
 * and column of the database (seconds on a PostgreSQL holding thousands of tables), at every start.
 */
export async function allApplied(d: SqlDialect, table: string, names: readonly string[]): Promise<boolean> {
  const rows = await namesIn(d, table);
  if (rows === undefined) return false; // a fresh database: the Migrator creates the table
  const applied = new Set(rows);
  return applied.size === names.length && names.every((n) => applied.has(n));
}

/**
 * The migrations applied to a database (the names its migration table `table` lists), or none for a fresh
 * one (no such table yet). @throws the store's error for any other failure (ServiceUnavailableError for an outage)
 */
export async function appliedMigrations(d: SqlDialect, table: string): Promise<string[]> {
  return (await namesIn(d, table)) ?? []; // none: a fresh database, the Migrator creates the table
}

/**
 * The names a migration table lists; undefined where the table does not exist. Only that means "none": a read
 * failing otherwise (the store unreachable or busy) is thrown, not taken for an empty table, which would refuse
 * the start as a newer Loam's database or run migrations already applied.
 */
async function namesIn(d: SqlDialect, table: string): Promise<string[] | undefined> {
  try {
    return ((await d.db.selectFrom(table).select('name').execute()) as { name: string }[]).map((r) => r.name);
  } catch (e) {
    if (d.isMissingTable(e)) return undefined;
    throw e;
  }
}

/**
 * Refuses a database a newer Loam migrated: `unknown` are applied migrations this Loam does not know and that
 * their Loam did not record as compatible (an older Loam runs beside those: {@link FlaggedMigration}).
 * This Loam would run on a schema it was not written for (Kysely's Migrator refuses it as "corrupted
 * migrations", which reads as damage), so the refusal says what happened and the two ways out.
 * `store` names the store (`metadata store`, `experiment store`). @throws InternalError
 */
export function refuseNewerSchema(d: SqlDialect, store: string, unknown: readonly string[]): void {
  if (unknown.length === 0) return;
  const names = [...unknown].sort();
  throw new InternalError(
    `The ${store} at ${d.label} was upgraded by a newer Loam: it holds ${names.length === 1 ? 'a migration' : `${names.length} migrations`} this Loam does not know ` +
      `(${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}). Nothing was changed. Run that newer Loam (or a later one) on it, ` +
      'or restore the backup taken before the upgrade to run this one.',
  );
}

/**
 * A migration and whether an older Loam, which does not know it, may run on a database it was applied to
 * (ADR 0003, "An older Loam on a newer schema"). `compatible` is a promise its author makes: the migration only
 * adds what an older Loam's reads and writes keep correct without knowing of it — a non-unique index over
 * columns it writes, a nullable column or a table that nothing reads as complete — never a constraint, a unique
 * index, a derived or backfilled column (an older Loam's writes leave it stale) or a change to what exists.
 */
export type FlaggedMigration = Migration & { readonly compatible?: true; readonly onlineIndexes?: readonly OnlineIndex[] };

/** A migration that may leave its indexes to `SqlDialect.buildIndexesOnline` (where their table has rows), naming them. */
export type OnlineIndexesMigration = Migration & { readonly onlineIndexes: readonly OnlineIndex[] };

/** An index a migration declares, with that migration's name. */
export interface DeclaredOnlineIndex {
  readonly migration: string;
  readonly index: OnlineIndex;
}

/**
 * The indexes these migrations declare ({@link OnlineIndexesMigration}): what a start makes sure of after migrating
 * and `loam doctor` checks, found in the migrations themselves so that no list is kept beside them.
 */
export function declaredOnlineIndexes(migrations: Record<string, Migration>): DeclaredOnlineIndex[] {
  return Object.entries(migrations).flatMap(([migration, m]) => ((m as FlaggedMigration).onlineIndexes ?? []).map((index) => ({ migration, index })));
}

/**
 * The table of the applied migrations their Loam recorded as compatible (`<migration table>_compatible`): an
 * older Loam cannot know a newer migration's flag, so the newer one records it in the database, in the
 * migration's own transaction.
 */
export const compatibleTable = (migrationTable: string) => `${migrationTable}_compatible`;

/** The migration that creates {@link compatibleTable}; compatible migrations must sort after it. */
export function compatibleTableMigration(d: SqlDialect, migrationTable: string): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable(compatibleTable(migrationTable)).addColumn('name', d.columnType('key'), (c) => c.primaryKey()).execute();
    },
  };
}

/**
 * The migrations, each compatible one recording its name in {@link compatibleTable} in its own transaction
 * (Kysely's Migrator runs a start's pending migrations and their rows in one), after `tableMigration` made it.
 * @throws InternalError for a compatible migration sorting before `tableMigration` (the table is not there yet on a fresh database).
 */
export function recordingCompatible(migrationTable: string, tableMigration: string, migrations: Record<string, FlaggedMigration>): Record<string, Migration> {
  return Object.fromEntries(Object.entries(migrations).map(([name, m]) => {
    if (!m.compatible) return [name, m];
    if (name <= tableMigration) throw new InternalError(`Migration ${name} is marked compatible but sorts before ${tableMigration}, which makes the table recording it.`);
    return [name, {
      ...m,
      async up(db: Kysely<any>) {
        await m.up(db);
        await db.insertInto(compatibleTable(migrationTable)).values({ name }).execute();
      },
    }];
  }));
}

/**
 * The applied migrations their Loam recorded as compatible, or none (no such table: a database no Loam recorded one in).
 * @throws the store's error for any other failure (ServiceUnavailableError for an outage): not "none", which would refuse the start as a newer Loam's database
 */
export async function compatibleMigrations(d: SqlDialect, migrationTable: string): Promise<Set<string>> {
  return new Set((await namesIn(d, compatibleTable(migrationTable))) ?? []);
}

/**
 * A migration that adds these indexes. In its transaction where the dialect cannot build them online (SQLite)
 * or where the table has no rows yet (a new store: nothing to wait for, and an online build would wait for every
 * older transaction of the database); otherwise it leaves them to `SqlDialect.buildIndexesOnline`, which the store
 * runs after migrating (PostgreSQL: a plain CREATE INDEX in the migration's transaction made every write to the
 * table wait until the build on a large table and the rest of the migrations committed).
 */
export function onlineIndexesMigration(d: SqlDialect, indexes: readonly OnlineIndex[]): OnlineIndexesMigration {
  return {
    onlineIndexes: indexes,
    async up(outer: Kysely<any>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      await createIndexesOrLeaveOnline(d, outer, indexes);
    },
  };
}

/**
 * What {@link onlineIndexesMigration} does, for a migration that adds an index after other steps (a collection's
 * `index:<field>`: the column and its backfill first), inside the migration's transaction `tx`.
 */
export async function createIndexesOrLeaveOnline(d: SqlDialect, tx: Kysely<any>, indexes: readonly OnlineIndex[]): Promise<void> {
  for (const x of indexes) {
    if (d.buildIndexesOnline !== undefined && (await sql`select 1 from ${sql.table(x.table)} limit 1`.execute(tx)).rows.length > 0) continue;
    // The text Kysely's createIndex builder wrote (SQLite keeps it in sqlite_master), and an order index's.
    await sql`create index ${sql.id(x.name)} on ${sql.table(x.table)} (${sql.join(indexKeys(x))})`.execute(tx);
  }
}
