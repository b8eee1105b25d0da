export * from './metadata/sql/index.js';
export { openArtifactStore, artifactStoreTypes, type ArtifactStoreConfig } from './artifacts/registry.js';
export { LocalFsArtifactStore, type LocalFsArtifactStoreOptions } from './artifacts/local-fs/local-fs-artifact-store.js';
export { S3ArtifactStore, type S3ArtifactStoreOptions } from './artifacts/s3/s3-artifact-store.js';
export { openSqlExperimentStore, type SqlExperimentStoreOptions } from './metadata/sql/experiments/open-sql-experiment-store.js';
export { LocalProcessExecutor, type LocalProcessExecutorOptions } from './executors/local/index.js';
export { LocalProcessLauncher, type LocalProcessLauncherOptions } from './instances/local-process/index.js';
export { DuckDbDataEngine, type DuckDbDataEngineOptions } from './data-engine/duckdb/index.js';
