import { describeJobExecutorConformance } from '../conformance/job-executor.conformance.js';
import { MemoryArtifactStore } from './memory-artifact-store.js';
import { MemoryJobExecutor } from './memory-job-executor.js';

describeJobExecutorConformance({
  name: 'in-memory fake',
  stopWithinMs: 2000,
  create: async () => {
    const artifacts = new MemoryArtifactStore();
    return { executor: new MemoryJobExecutor({ artifacts, graceMs: 300 }), artifacts, close: async () => {} };
  },
});
