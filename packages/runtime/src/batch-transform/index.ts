export { transformDriverCommand } from './command.js';
export { runTransform, transformPaths, effectiveParameters, TransformError, type TransformPaths, type TransformSummary, type EffectiveParameters } from './driver.js';
export { splitRecords, recordsFromFile, encodeRecordIO, type SplitType, type InputRecord } from './records.js';
export { miniBatches, lineSliceBatches, lineSliceBatchesFromFile, PayloadLimitError, type MiniBatch, type BatchStrategy } from './mini-batches.js';
export { DataProcessor, splitPredictions, recordFormat, type RecordFormat } from './data-processing.js';
export { parseJsonPath, evaluateJsonPath, JsonPathError } from './json-path.js';
