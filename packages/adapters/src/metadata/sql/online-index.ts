import { sql, type RawBuilder } from 'kysely';
import type { OnlineIndex } from './dialects/sql-dialect.js';

/**
 * An index's keys as SQL: `"col"`, or `("col" is null)`. One rendering for a build in a migration's transaction
 * and an online one, so an index has the same definition however it was built (a fresh database's, built in
 * its migration, and an upgraded one's, built CONCURRENTLY).
 */
export function indexKeys(x: OnlineIndex): RawBuilder<unknown>[] {
  return x.columns.map((k) => (typeof k === 'string' ? sql`${sql.id(k)}` : sql`(${sql.id(k.isNull)} is null)`));
}

const quoted = (id: string) => `"${id.replace(/"/g, '""')}"`;

/**
 * The statements an operator runs on PostgreSQL to make `x` exist and be valid in `schema` without making writes
 * wait (what SqlDialect.buildIndexesOnline runs at a start): `invalid` drops the INVALID index an interrupted
 * build left first. Each outside a transaction block (CONCURRENTLY refuses one).
 */
export function onlineIndexStatements(schema: string, x: OnlineIndex, invalid: boolean): string[] {
  const keys = x.columns.map((k) => (typeof k === 'string' ? quoted(k) : `(${quoted(k.isNull)} is null)`)).join(', ');
  const create = `CREATE INDEX CONCURRENTLY ${quoted(x.name)} ON ${quoted(schema)}.${quoted(x.table)} (${keys});`;
  return invalid ? [`DROP INDEX CONCURRENTLY IF EXISTS ${quoted(schema)}.${quoted(x.name)};`, create] : [create];
}
