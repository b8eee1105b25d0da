import { describeDataEngineConformance } from '@loam/testkit';
import { DuckDbDataEngine } from './duckdb-data-engine.js';

describeDataEngineConformance({ name: 'DuckDB', create: async () => ({ engine: new DuckDbDataEngine({ threads: 1 }), close: async () => {} }) });
