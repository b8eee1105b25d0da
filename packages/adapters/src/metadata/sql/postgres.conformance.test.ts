import { describeMetadataStoreConformance, metadataConformanceCollections } from '@loam/testkit/conformance/metadata-store.conformance';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

const schema = useFreshPostgresSchema();
describeMetadataStoreConformance('PostgreSQL', { open: () => openSqlMetadataStore({ url: testPostgresUrl, schema, collections: metadataConformanceCollections }) });
