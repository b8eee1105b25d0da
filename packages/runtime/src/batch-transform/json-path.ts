// The DataProcessing JSONPath subset lives in core, which checks the filters at CreateTransformJob.
export { evaluateJsonPath, JsonPathError, parseJsonPath } from '@loam/core/transform/json-path';
