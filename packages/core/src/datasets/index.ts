export { DatasetService, DEFAULT_DATASET_BUCKET, type DatasetServiceOptions } from './dataset.service.js';
export { FlowService, type FlowServiceOptions } from './flows/flow.service.js';
export { datasetsSpec, datasetVersionsSpec, datasetObjectIntentsSpec, type DatasetRecord as StoredDatasetRecord, type DatasetVersionRecord, type DatasetObjectIntentRecord } from './dataset.collections.js';
export { flowsSpec, flowVersionsSpec, flowRunsSpec } from './flows/flow.collections.js';
export type { QuickModelData, QuickModelFn, QuickModelResult } from './profile/quick-model.js';
export { detectFile, type ImportHints } from './import/detect-file.js';
export { DatasetStaging, DEFAULT_STAGING_CACHE_BYTES, byteSizeOf, type StagedFile, type StagingOptions } from './dataset-staging.js';

import { datasetObjectIntentsSpec, datasetsSpec, datasetVersionsSpec } from './dataset.collections.js';
import { flowRunsSpec, flowsSpec, flowVersionsSpec } from './flows/flow.collections.js';

/** Every collection the datasets capability declares. */
export const datasetCollections = [datasetsSpec, datasetVersionsSpec, datasetObjectIntentsSpec, flowsSpec, flowVersionsSpec, flowRunsSpec] as const;
export { describeVersion } from './dataset-views.js';
