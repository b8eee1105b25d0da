export { openSqlMetadataStore, type SqlMetadataStoreOptions } from './open-sql-metadata-store.js';
export { SqlMetadataStore } from './sql-metadata-store.js';
export { buildMigrations, BASE_MIGRATION } from './migrations.js';
export { DEFAULT_MAX_RESULTS, MAX_RESULTS_LIMIT } from './list-query.js';
export type { SqlDialect, SqlColumnKind } from './dialects/sql-dialect.js';
export { inspectSqlMetadataStore, inspectSqlExperimentStore, type SqlStoreInspection, type InspectSqlStoreOptions } from './inspect-sql-stores.js';
export type { OnlineIndexInspection, OnlineIndexState } from './inspect-online-indexes.js';
