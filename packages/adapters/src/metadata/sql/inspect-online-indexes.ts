import { onlineBuildLockKeys } from './dialects/postgres.js';
import type { DeclaredOnlineIndex } from './migration-schema.js';
import { onlineIndexStatements } from './online-index.js';

/**
 * An index built online on PostgreSQL (CREATE INDEX CONCURRENTLY, ADR 0003): `valid`; `building` (a server is
 * building the schema's indexes, or this one, now); `missing` (its migration left it to a start's online build,
 * which has not run or did not finish); `invalid` (a build was interrupted: a crash, a cancelled statement; the
 * planner does not use it).
 */
export type OnlineIndexState = 'valid' | 'building' | 'missing' | 'invalid';

export interface OnlineIndexInspection {
  readonly name: string;
  readonly table: string;
  /** The migration that declares it (applied). */
  readonly migration: string;
  readonly state: OnlineIndexState;
  /**
   * Missing or INVALID: the statements that build it online by hand, each outside a transaction block (a Loam
   * server's start runs the same).
   */
  readonly sql?: readonly string[];
}

/** A query on a read-only PostgreSQL session. */
type Rows = <T>(text: string, params: readonly unknown[]) => Promise<T[]>;

/**
 * The state of each of these indexes in `schema` (those of applied migrations: a pending migration's index is the
 * pending migration's), from the catalog, pg_stat_progress_create_index and the schema's online-build lock.
 */
export async function inspectOnlineIndexes(rows: Rows, schema: string, declared: readonly DeclaredOnlineIndex[]): Promise<OnlineIndexInspection[]> {
  if (declared.length === 0) return [];
  const found = new Map((await rows<{ name: string; valid: boolean; building: boolean }>(
    `select c.relname as name, i.indisvalid as valid, exists (select 1 from pg_stat_progress_create_index p
         where p.datid = (select oid from pg_database where datname = current_database()) and p.index_relid = c.oid) as building
       from pg_class c join pg_index i on i.indexrelid = c.oid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = any($2::text[])`,
    [schema, declared.map((x) => x.index.name)],
  )).map((r) => [r.name, r]));
  const lock = onlineBuildLockKeys(schema);
  // A server building the schema's indexes holds this lock from its first build to its last. An advisory lock is
  // a database's, but pg_locks (and pg_stat_progress_create_index, whose relation oids are per database) lists
  // every database of the cluster: another database's schema of the same name (`public`) is not this one.
  const [{ held }] = (await rows<{ held: boolean }>(
    `select exists (select 1 from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())
       and classid = $1::bigint::oid and objid = $2::bigint::oid and objsubid = 2 and granted) as held`,
    [lock.classid, lock.objid],
  )) as [{ held: boolean }];
  return declared.map(({ migration, index }) => {
    const row = found.get(index.name);
    const base = { name: index.name, table: index.table, migration };
    if (row?.valid === true) return { ...base, state: 'valid' };
    if (row?.building === true || held) return { ...base, state: 'building' };
    return { ...base, state: row === undefined ? 'missing' : 'invalid', sql: onlineIndexStatements(schema, index, row !== undefined) };
  });
}
