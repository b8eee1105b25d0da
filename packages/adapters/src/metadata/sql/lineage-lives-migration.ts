import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from './dialects/sql-dialect.js';

export const LINEAGE_LIVES_MIGRATION = 'base:0003:lineage-edges-lives';

/**
 * `lineage_edges.lives`: 1 on every edge this Loam records, NULL on the edges already there and on those an
 * older server still running adds (LineageEdge.legacy). The one-time lineage upgrade (LineageSync) splits a
 * re-created resource's edges between its lives by their times, the only thing an older Loam recorded; an
 * edge recorded since must never be split by a time another server's clock wrote. A nullable column, so
 * adding it rewrites no table on either database.
 */
export function lineageLivesMigration(d: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await (db as Kysely<any>).schema.alterTable('lineage_edges').addColumn('lives', d.columnType('integer')).execute();
    },
  };
}
