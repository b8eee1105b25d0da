import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError, type CollectionSpec } from '@loam/core';
import { layoutOf } from './collection-layout.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { parseSqliteUrl } from './dialects/sqlite.js';
import { EXPERIMENT_MIGRATION_TABLE, experimentMigrations } from './experiments/experiment-migrations.js';
import { inspectOnlineIndexes, type OnlineIndexInspection } from './inspect-online-indexes.js';
import { compatibleTable, declaredOnlineIndexes, type DeclaredOnlineIndex } from './migration-schema.js';
import { buildMigrations, newerMigrations, registryConflicts } from './migrations.js';

/** What a SQL store holds compared with what this Loam would migrate it to, read without changing it. */
export interface SqlStoreInspection {
  /** Nothing there yet: no database file (SQLite), or no Loam tables in the schema (PostgreSQL). */
  readonly empty: boolean;
  /** Why it is empty, when it is: `/path/loam.db does not exist`, `schema public holds no Loam tables`. */
  readonly emptyBecause?: string;
  /** Migrations this Loam would apply on open (all of them when empty). */
  readonly pending: readonly string[];
  /** Migrations applied that this Loam does not know and would refuse to start on: a newer Loam's. */
  readonly unknown: readonly string[];
  /**
   * Migrations applied that this Loam does not know but their (newer) Loam recorded as compatible: a start
   * runs beside them (ADR 0003).
   */
  readonly compatible: readonly string[];
  /**
   * Migrations applied of collections these ones do not include (another process's, or a newer Loam's
   * collections): a start leaves them as they are, as it leaves the collections.
   */
  readonly elsewhere: readonly string[];
  /** Disagreements open would refuse (a collection keyed or indexed differently). */
  readonly conflicts: readonly string[];
  /**
   * PostgreSQL: each index an applied migration declares for an online build (CREATE INDEX CONCURRENTLY), with its
   * state. Undefined on SQLite (built in their migrations' transactions) and for an empty store.
   */
  readonly onlineIndexes?: readonly OnlineIndexInspection[];
}

export interface InspectSqlStoreOptions {
  /** `sqlite:/abs/path.db`, `sqlite::memory:` or `postgres://…`. */
  readonly url: string;
  /** PostgreSQL only: the schema. Default `public`. */
  readonly schema?: string;
}

/** Only the migrations' names are read (no migration runs), so no dialect is needed to list them. */
const namesOnly = {} as SqlDialect;

interface ReadOnlyDb {
  tableExists(name: string): Promise<boolean>;
  /** The rows of a query without parameters. */
  rows<T>(text: string): Promise<T[]>;
  /** PostgreSQL: these indexes' states in the schema. */
  onlineIndexes?(declared: readonly DeclaredOnlineIndex[]): Promise<OnlineIndexInspection[]>;
  close(): Promise<void>;
}

/**
 * A read-only connection: SQLite opened read-only on an existing file (never created), PostgreSQL in a
 * read-only session that creates no schema; or why there is nothing to open (no file).
 */
async function openReadOnly(o: InspectSqlStoreOptions): Promise<ReadOnlyDb | string> {
  if (o.url.startsWith('sqlite:')) {
    const file = parseSqliteUrl(o.url);
    if (file === ':memory:') return 'an in-memory database starts empty on every start';
    if (!existsSync(file)) return `${file} does not exist`;
    const { default: Database } = await import('better-sqlite3');
    // With a server on it (or its WAL left behind) the -wal and -shm files are there: read it in place,
    // through them. Otherwise a read-only connection would create both beside the file (and leave them),
    // so read a copy instead: with no WAL the file holds everything. The copy is a file in a private
    // temporary directory (TMPDIR), where the connection's -wal and -shm go too, all removed on close:
    // a copy in memory took twice the database's size, and Node reads no file over 2 GiB into memory.
    let db: InstanceType<typeof Database>;
    let copyDir: string | undefined;
    if (existsSync(`${file}-wal`) && existsSync(`${file}-shm`)) db = new Database(file, { readonly: true, fileMustExist: true });
    else {
      copyDir = await mkdtemp(join(tmpdir(), 'loam-inspect-'));
      try {
        await copyFile(file, join(copyDir, 'copy.db'));
        db = new Database(join(copyDir, 'copy.db'), { readonly: true, fileMustExist: true });
      } catch (e) {
        await rm(copyDir, { recursive: true, force: true });
        throw e;
      }
    }
    const dir = copyDir;
    return {
      tableExists: async (name) => db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined,
      rows: async <T>(text: string) => db.prepare(text).all() as T[],
      close: async () => {
        db.close();
        if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      },
    };
  }
  if (/^postgres(ql)?:/i.test(o.url)) {
    const schema = o.schema ?? 'public';
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: o.url, connectionTimeoutMillis: 3000, statement_timeout: 3000, options: `-c search_path=${schema} -c default_transaction_read_only=on` });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    return {
      tableExists: async (name) => (await client.query('select 1 from information_schema.tables where table_schema = $1 and table_name = $2', [schema, name])).rowCount !== 0,
      rows: async <T>(text: string) => (await client.query(text)).rows as T[],
      onlineIndexes: (declared) => inspectOnlineIndexes(async <T>(text: string, params: readonly unknown[]) => (await client.query(text, [...params])).rows as T[], schema, declared),
      close: () => client.end(),
    };
  }
  throw new InternalError(`Cannot inspect a store at '${o.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}': not a sqlite: or postgres: URL.`);
}

/**
 * Which applied migrations this Loam does not know would refuse a start (`refused`), given those their Loam
 * recorded as compatible; the rest are left as they are. The same rule as the open's (`newerMigrations`,
 * `migrateExperiments`), so doctor flags what start refuses.
 */
type RefusedBy = (unknown: readonly string[], compatible: ReadonlySet<string>) => readonly string[];

async function inspect(o: InspectSqlStoreOptions, expected: readonly string[], migrationTable: string, refused: RefusedBy, online: readonly DeclaredOnlineIndex[], registry?: (db: ReadOnlyDb) => Promise<string[]>): Promise<SqlStoreInspection> {
  const db = await openReadOnly(o);
  if (typeof db === 'string') return { empty: true, emptyBecause: db, pending: expected, unknown: [], compatible: [], elsewhere: [], conflicts: [] };
  try {
    if (!(await db.tableExists(migrationTable))) {
      const where = o.url.startsWith('sqlite:') ? parseSqliteUrl(o.url) : `schema ${o.schema ?? 'public'}`;
      return { empty: true, emptyBecause: `${where} holds no Loam tables`, pending: expected, unknown: [], compatible: [], elsewhere: [], conflicts: [] };
    }
    const applied = new Set((await db.rows<{ name: string }>(`select name from ${migrationTable}`)).map((r) => r.name));
    const known = new Set(expected);
    const unknown = [...applied].filter((n) => !known.has(n)).sort();
    const flagged = (await db.tableExists(compatibleTable(migrationTable)))
      ? new Set((await db.rows<{ name: string }>(`select name from ${compatibleTable(migrationTable)}`)).map((r) => r.name))
      : new Set<string>();
    const newer = new Set(refused(unknown, flagged));
    const beside = unknown.filter((n) => !newer.has(n));
    return {
      empty: false,
      pending: expected.filter((n) => !applied.has(n)),
      unknown: unknown.filter((n) => newer.has(n)),
      compatible: beside.filter((n) => flagged.has(n)),
      elsewhere: beside.filter((n) => !flagged.has(n)),
      conflicts: registry ? await registry(db) : [],
      ...(db.onlineIndexes ? { onlineIndexes: await db.onlineIndexes(online.filter((x) => applied.has(x.migration))) } : {}),
    };
  } finally {
    await db.close();
  }
}

/**
 * The metadata store at `url` against these collections, read only: nothing is created or migrated
 * (no database file, schema or table). For `loam doctor`.
 */
export async function inspectSqlMetadataStore(options: InspectSqlStoreOptions & { readonly collections: readonly CollectionSpec<any>[] }): Promise<SqlStoreInspection> {
  const layouts = (options.collections as readonly CollectionSpec<unknown>[]).map((s) => layoutOf(s));
  const migrations = buildMigrations(namesOnly, layouts);
  return inspect(options, Object.keys(migrations), 'kysely_migration', (unknown, compatible) => newerMigrations(layouts, unknown, compatible), declaredOnlineIndexes(migrations), async (db) =>
    (await db.tableExists('collections')) ? registryConflicts(layouts, await db.rows<{ name: string; spec: string }>('select name, spec from collections'), false) : []);
}

/** The experiment store at `url`, read only (see inspectSqlMetadataStore). */
export async function inspectSqlExperimentStore(options: InspectSqlStoreOptions): Promise<SqlStoreInspection> {
  const migrations = experimentMigrations(namesOnly);
  return inspect(options, Object.keys(migrations), EXPERIMENT_MIGRATION_TABLE, (unknown, compatible) => unknown.filter((n) => !compatible.has(n)), declaredOnlineIndexes(migrations));
}
