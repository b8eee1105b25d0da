export * from './lineage.collections.js';
export { LineageRecorder, artifactArn, normalizeUri, type AssociationType } from './lineage-recorder.js';
export { LineageQueryService, type LineageQueryServiceOptions } from './lineage-query.service.js';
export { LineageSync, type LineageSyncOptions } from './lineage-sync.js';
export type { VertexReadCheck } from './lineage-visibility.js';
export { vertexTypeOf, type LineageTypeName } from './vertex-types.js';
