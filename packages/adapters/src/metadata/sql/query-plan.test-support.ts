import { CompiledQuery, sql } from 'kysely';
import type { SqlDialect } from './dialects/sql-dialect.js';

/**
 * The plan the database would run `c` with, as text: SQLite's `explain query plan` details, one a line, or
 * PostgreSQL's `explain` with sorting and full scans priced out (`priceOutSorts: false` leaves sorts their
 * price), so a plan still holds them only if no index can serve the query.
 */
export async function queryPlanText(d: SqlDialect, c: CompiledQuery, opts: { readonly priceOutSorts?: boolean } = {}): Promise<string> {
  if (d.label.startsWith('sqlite')) {
    const r = await d.db.executeQuery(CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]));
    return (r.rows as { detail: string }[]).map((x) => x.detail).join('\n');
  }
  return d.db.transaction().execute(async (tx) => {
    if (opts.priceOutSorts ?? true) await sql`set local enable_sort = off`.execute(tx);
    await sql`set local enable_seqscan = off`.execute(tx);
    const r = await tx.executeQuery(CompiledQuery.raw(`explain ${c.sql}`, [...c.parameters]));
    return (r.rows as Record<string, string>[]).map((x) => Object.values(x)[0]).join('\n');
  });
}
