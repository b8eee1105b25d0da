import type { SqlDialect } from './dialects/sql-dialect.js';

/**
 * Kysely Migrator's `migrationTableSchema` for this dialect: the Migrator looks for its own tables in
 * every schema of the database unless told which, so another deployment's (or test run's) schema
 * would otherwise pass for this one.
 */
export function migratorSchema(d: SqlDialect): { readonly migrationTableSchema?: string } {
  return d.schema === undefined ? {} : { migrationTableSchema: d.schema };
}
