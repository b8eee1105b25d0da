import { bucketOf } from '../../api/bucket-names.js';
import type { FormValues } from '../../schema/validate.js';

/**
 * The leaves of each create form that name where a job writes (dotted form paths, `\d+` for an item):
 * a missing bucket there fails the job when it uploads, after it ran.
 */
const outputLeaves: Readonly<Record<string, readonly RegExp[]>> = {
  CreateTrainingJob: [/^OutputDataConfig\.S3OutputPath$/, /^CheckpointConfig\.S3Uri$/, /^TensorBoardOutputConfig\.S3OutputPath$/, /^DebugHookConfig\.S3OutputPath$/],
  CreateHyperParameterTuningJob: [/^TrainingJobDefinition\.OutputDataConfig\.S3OutputPath$/, /^TrainingJobDefinition\.CheckpointConfig\.S3Uri$/],
  CreateTransformJob: [/^TransformOutput\.S3OutputPath$/],
  CreateProcessingJob: [/^ProcessingOutputConfig\.Outputs\.\d+\.S3Output\.S3Uri$/],
  CreateEndpointConfig: [/^DataCaptureConfig\.DestinationS3Uri$/],
};

export interface OutputLocation {
  /** The form leaf (`OutputDataConfig.S3OutputPath`). */
  readonly leaf: string;
  readonly uri: string;
  readonly bucket: string;
}

/** Whether a form leaf names an output location of this operation. */
export function isOutputLeaf(operation: string, leaf: string): boolean {
  return (outputLeaves[operation] ?? []).some((re) => re.test(leaf));
}

/** Every output location the form's values name, with its bucket. */
export function outputLocations(operation: string, values: FormValues): OutputLocation[] {
  const out: OutputLocation[] = [];
  for (const [leaf, v] of Object.entries(values)) {
    if (!isOutputLeaf(operation, leaf)) continue;
    const bucket = bucketOf(v);
    if (bucket) out.push({ leaf, uri: String(v).trim(), bucket });
  }
  return out;
}

/** What the form says, without blocking, about an output bucket that does not exist. */
export function missingBucketWarning(bucket: string, consequence = 'the job would run and then fail when it uploads'): string {
  return `Bucket '${bucket}' does not exist. Loam does not create output buckets: ${consequence}. Create the bucket first (aws s3 mb s3://${bucket}), or use Studio's default bucket.`;
}
