import { describeExperimentStoreConformance } from '@loam/testkit/conformance/experiment-store.conformance';
import { testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';

const schema = useFreshPostgresSchema();
describeExperimentStoreConformance('PostgreSQL', { open: () => openSqlExperimentStore({ url: testPostgresUrl, schema }) });
