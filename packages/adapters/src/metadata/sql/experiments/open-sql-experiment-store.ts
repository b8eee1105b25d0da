import { silentLogger, type ExperimentStore, type Logger } from '@loam/core';
import { createSqlDialect } from '../dialects/registry.js';
import { migrateExperiments } from './experiment-migrations.js';
import { probeTraits } from './sql-like.js';
import { SqlExperimentStore } from './sql-experiment-store.js';

export interface SqlExperimentStoreOptions {
  /**
   * `sqlite:/abs/path.db`, `sqlite::memory:` or `postgres://…`. On SQLite use a file of its own (not
   * the metadata store's): better-sqlite3 waits for another connection's lock synchronously, which
   * would stall the event loop while that connection's transaction waits for it.
   */
  readonly url: string;
  /** PostgreSQL only: the schema (created if absent). */
  readonly schema?: string;
  /** PostgreSQL only: the most connections the pool opens. Default 10. */
  readonly poolSize?: number;
  /** PostgreSQL only: statement_timeout (default 60 s) and the wait for an answer (default 5 s); see PostgresDialectOptions. */
  readonly statementTimeoutMs?: number;
  readonly answerTimeoutMs?: number;
  readonly logger?: Logger;
}

/** Opens the experiment tracking store and brings its tables up to date. */
export async function openSqlExperimentStore(options: SqlExperimentStoreOptions): Promise<ExperimentStore> {
  const log = (options.logger ?? silentLogger).child({ component: 'experiment-store' });
  const dialect = await createSqlDialect({
    url: options.url,
    logger: log,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.poolSize === undefined ? {} : { maxConnections: options.poolSize }),
    ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
    ...(options.answerTimeoutMs === undefined ? {} : { answerTimeoutMs: options.answerTimeoutMs }),
  });
  try {
    await migrateExperiments(dialect, log);
    const like = await probeTraits(dialect);
    return new SqlExperimentStore(dialect, like);
  } catch (e) {
    await dialect.destroy().catch(() => undefined);
    throw e;
  }
}
