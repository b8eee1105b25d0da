export { DuckDbDataEngine, type DuckDbDataEngineOptions } from './duckdb-data-engine.js';
