import { describeExperimentStoreConformance } from '@loam/testkit/conformance/experiment-store.conformance';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';

describeExperimentStoreConformance('SQLite memory', { open: () => openSqlExperimentStore({ url: 'sqlite::memory:' }) });
