export * from './lineage.collections.js';
export { LineageRecorder, artifactArn, normalizeUri, type AssociationType } from './lineage-recorder.js';
export { LineageQueryService, type LineageQueryServiceOptions } from './lineage-query.service.js';
export { LineageArtifactService, type LineageArtifactServiceOptions } from './lineage-artifact.service.js';
export { LineageAssociationsService, type LineageAssociationsServiceOptions } from './lineage-associations.service.js';
export { LineageSync, LINEAGE_SYNC_BATCH, type LineageSyncOptions } from './lineage-sync.js';
export { lineageSyncCollections, lineageSyncMarksCollection, type LineageSyncMarkRecord } from './lineage-sync.collections.js';
export type { VertexReadCheck } from './lineage-visibility.js';
export { vertexTypeOf, type LineageTypeName } from './vertex-types.js';
