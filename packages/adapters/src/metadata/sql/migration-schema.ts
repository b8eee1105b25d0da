import { sql } from 'kysely';
import type { SqlDialect } from './dialects/sql-dialect.js';

/**
 * The schema the connection works in, where the database has schemas (PostgreSQL), else undefined.
 * Kysely's Migrator must be told it: it looks for its own tables in every schema of the database, so
 * another deployment's (or test run's) schema would otherwise pass for this one.
 */
export async function currentSchema(d: SqlDialect): Promise<string | undefined> {
  try {
    const r = await sql<{ s: string | null }>`select current_schema() as s`.execute(d.db);
    return r.rows[0]?.s ?? undefined;
  } catch {
    return undefined; // SQLite: no schemas (one database file per store)
  }
}
