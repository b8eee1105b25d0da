export * from './metadata/sql/index.js';
export { openArtifactStore, artifactStoreTypes, type ArtifactStoreConfig } from './artifacts/registry.js';
