import { InternalError, silentLogger, type CollectionSpec, type Logger, type MetadataStore } from '@loam/core';
import { createSqlDialect } from './dialects/registry.js';
import { layoutOf, type CollectionLayout } from './collection-layout.js';
import { migrate } from './migrations.js';
import { SqlSession } from './session.js';
import { SqlMetadataStore } from './sql-metadata-store.js';

/** How to open the SQL metadata store. */
export interface SqlMetadataStoreOptions {
  /** `sqlite:/abs/path.db`, `sqlite::memory:`, or `postgres://user@host:port/db`. */
  readonly url: string;
  /** Every collection this process uses; each gets its table through a generated migration. */
  // Specs of different record types share one list, so the element type cannot be narrower.
  readonly collections: readonly CollectionSpec<any>[];
  /** PostgreSQL only: the schema holding the tables (created if absent). Default `public`. */
  readonly schema?: string;
  /** PostgreSQL only: the most connections the pool opens. Default 10. */
  readonly poolSize?: number;
  /** PostgreSQL only: statement_timeout (default 60 s) and the wait for an answer (default 5 s); see PostgresDialectOptions. */
  readonly statementTimeoutMs?: number;
  readonly answerTimeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * Opens the metadata store named by `url`, runs its migrations (base tables, then one per
 * collection and per indexed field) and returns it. Throws ValidationException for a bad URL,
 * InternalFailure for a bad or conflicting spec, and the driver's error when the database is unreachable.
 */
export async function openSqlMetadataStore(options: SqlMetadataStoreOptions): Promise<MetadataStore> {
  const layouts = new Map<string, CollectionLayout>();
  for (const spec of options.collections as readonly CollectionSpec<unknown>[]) {
    if (layouts.has(spec.name)) throw new InternalError(`Collection '${spec.name}' is registered twice.`);
    layouts.set(spec.name, layoutOf(spec));
  }
  const log = (options.logger ?? silentLogger).child({ component: 'metadata-store' });
  const dialect = await createSqlDialect({
    url: options.url,
    logger: log,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.poolSize === undefined ? {} : { maxConnections: options.poolSize }),
    ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
    ...(options.answerTimeoutMs === undefined ? {} : { answerTimeoutMs: options.answerTimeoutMs }),
  });
  try {
    await migrate(dialect, [...layouts.values()], log);
  } catch (e) {
    await dialect.destroy().catch(() => undefined);
    throw e;
  }
  log.info({ store: dialect.label, collections: layouts.size }, 'metadata store opened');
  return new SqlMetadataStore(new SqlSession(dialect, dialect.db, layouts, false));
}
