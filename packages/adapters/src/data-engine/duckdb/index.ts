export { DEFAULT_MEMORY_LIMIT, DuckDbDataEngine, resolveMemoryLimit, type DuckDbDataEngineOptions } from './duckdb-data-engine.js';
