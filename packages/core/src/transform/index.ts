export { TransformJobService, TRANSFORM_JOB_KIND, describeTransformJob, type TransformJobServiceOptions } from './transform-job.service.js';
export { buildTransformJobSpec, validateTransform, MAX_PAYLOAD_MB, type DriverCommand, type TransformSpecContext } from './transform-job-spec.js';
