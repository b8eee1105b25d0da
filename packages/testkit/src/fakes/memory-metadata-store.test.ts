import { describeMetadataStoreConformance, metadataConformanceCollections } from '../conformance/metadata-store.conformance.js';
import { createMemoryMetadataStore } from './memory-metadata-store.js';

describeMetadataStoreConformance('in-memory fake', { open: async () => createMemoryMetadataStore({ collections: metadataConformanceCollections }) });
