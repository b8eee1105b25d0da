import { describeMetadataStoreConformance, metadataConformanceCollections } from '@loam/testkit/conformance/metadata-store.conformance';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';

describeMetadataStoreConformance('SQLite :memory:', { open: () => openSqlMetadataStore({ url: 'sqlite::memory:', collections: metadataConformanceCollections }) });
