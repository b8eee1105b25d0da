import { describeExperimentStoreConformance } from '../conformance/experiment-store.conformance.js';
import { MemoryExperimentStore } from './memory-experiment-store.js';

describeExperimentStoreConformance('in-memory fake', { open: async () => new MemoryExperimentStore() });
