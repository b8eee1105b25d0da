import { ValidationError, type Logger } from '@loam/core';
import type { SqlDialect } from './sql-dialect.js';
import { createSqliteDialect, parseSqliteUrl } from './sqlite.js';
import { createPostgresDialect } from './postgres.js';

/** Connection options shared by every SQL backend; each backend reads what applies to it. */
export interface SqlConnectionOptions {
  readonly url: string;
  /** PostgreSQL only: the schema holding the tables. */
  readonly schema?: string;
  /** PostgreSQL only: the most connections the pool opens. */
  readonly maxConnections?: number;
  /** PostgreSQL only: PostgreSQL's statement_timeout for every statement but migrations'. */
  readonly statementTimeoutMs?: number;
  /** PostgreSQL only: how long a statement waits for an answer before the store checks PostgreSQL answers at all. */
  readonly answerTimeoutMs?: number;
  /** PostgreSQL only: told when a migration waits for another server's. */
  readonly logger?: Logger;
}

/** Every SQL backend, by URL scheme. A new database is one row here and one file beside this one. */
const BACKENDS: Record<string, (o: SqlConnectionOptions) => Promise<SqlDialect>> = {
  'sqlite:': (o) => createSqliteDialect({ filename: parseSqliteUrl(o.url) }),
  'postgres:': (o) => createPostgresDialect(o),
  'postgresql:': (o) => createPostgresDialect(o),
};

/** The dialect for a metadata URL; an unknown scheme fails naming the valid ones. */
export async function createSqlDialect(options: SqlConnectionOptions): Promise<SqlDialect> {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(options.url)?.[0].toLowerCase() ?? '';
  const make = BACKENDS[scheme];
  if (make === undefined) {
    throw new ValidationError(`Metadata store URL scheme '${scheme || options.url}' is not supported; use one of ${Object.keys(BACKENDS).join(', ')}.`, [
      { path: '/metadata/url', message: `expected one of ${Object.keys(BACKENDS).join(', ')}` },
    ]);
  }
  return make(options);
}
