import { describeArtifactStoreConformance } from '../conformance/artifact-store.conformance.js';
import { MemoryArtifactStore } from './memory-artifact-store.js';

describeArtifactStoreConformance('in-memory fake', {
  open: async () => ({ store: new MemoryArtifactStore() }),
  skip: { 'streams a 24 MiB object in and out without holding it in memory': 'the fake holds every object in memory by design' },
});
