export { createMemoryMetadataStore, type MemoryMetadataStoreOptions } from './fakes/memory-metadata-store.js';
export { MemoryArtifactStore } from './fakes/memory-artifact-store.js';
export * from './conformance/metadata-store.conformance.js';
export * from './conformance/artifact-store.conformance.js';
export * from './conformance/traversal-cases.js';
export { MemoryExperimentStore } from './fakes/memory-experiment-store.js';
export * from './conformance/experiment-store.conformance.js';
export { MemoryJobExecutor } from './fakes/memory-job-executor.js';
export * from './conformance/job-executor.conformance.js';
