import type { InputOf, JobChannelSpec, JobSpec, operations, TransformDriverConfig } from '@loam/contracts';
import { effectiveShape } from '../jobs/instance-types.js';
import { invalid, manifestPrefix, requireS3 } from '../jobs/job-validation.js';
import type { ExecutorCapacity } from '../ports/job-executor.js';
import type { ModelRecord } from '../models/model.collections.js';
import { JsonPathError, parseJsonPath } from './json-path.js';

type CreateInput = InputOf<(typeof operations)['CreateTransformJob']>;

/** The batch driver as the job's image: where core has no path of its own, the server supplies it. */
export interface DriverCommand {
  readonly command: string;
  readonly args: readonly string[];
}

export interface TransformSpecContext {
  readonly region: string;
  readonly arn: string;
  readonly capacity: ExecutorCapacity;
  readonly driver: DriverCommand;
  /** `images.python`, for script-mode models. */
  readonly python: string;
  /** ManifestFile URI → the prefix it named when checked (RequestContext.checkedManifests). */
  readonly checkedManifests?: ReadonlyMap<string, string> | undefined;
}

/** SageMaker's ceiling on MaxPayloadInMB. */
export const MAX_PAYLOAD_MB = 100;
/** Transform jobs have no MaxRuntimeInSeconds; a stuck one still ends after five days. */
const MAX_RUNTIME_SECONDS = 5 * 24 * 3600;

function mediaKind(t: string | undefined): 'csv' | 'json' | 'other' {
  const v = (t ?? '').toLowerCase();
  return v.includes('csv') ? 'csv' : v.includes('json') ? 'json' : 'other';
}

/** Checks what the schema cannot, naming the field. @throws ValidationError. */
export function validateTransform(input: CreateInput, model: ModelRecord, capacity: ExecutorCapacity): void {
  const src = input.TransformInput.DataSource.S3DataSource;
  requireS3('TransformInput.DataSource.S3DataSource.S3Uri', src.S3Uri);
  requireS3('TransformOutput.S3OutputPath', input.TransformOutput.S3OutputPath);
  if (src.S3DataType !== 'S3Prefix' && src.S3DataType !== 'ManifestFile') {
    throw invalid('TransformInput.DataSource.S3DataSource.S3DataType', src.S3DataType, 'Loam reads S3Prefix and ManifestFile inputs');
  }
  if (input.MaxPayloadInMB !== undefined && input.MaxPayloadInMB > MAX_PAYLOAD_MB) throw invalid('MaxPayloadInMB', input.MaxPayloadInMB, `Member must be less than or equal to ${MAX_PAYLOAD_MB}`);
  const container = model.containers[0];
  if (input.MaxPayloadInMB === 0 && container?.image.type === 'builtin') {
    throw invalid('MaxPayloadInMB', 0, 'Member must be greater than 0 for built-in algorithms (0 streams the payload, which they do not accept)');
  }
  if (input.DataCaptureConfig) throw invalid('DataCaptureConfig', 'DataCaptureConfig', 'Batch data capture is not supported by Loam yet');
  const dp = input.DataProcessing ?? {};
  for (const k of ['InputFilter', 'OutputFilter'] as const) {
    const p = dp[k];
    if (p !== undefined && p !== '' && !p.startsWith('$')) throw invalid(`DataProcessing.${k}`, p, "Member must be a JSONPath starting with '$'");
    // The whole path is read now, so a filter the batch driver cannot apply is refused here, naming the field.
    if (p !== undefined && p !== '') {
      try {
        parseJsonPath(p);
      } catch (e) {
        if (e instanceof JsonPathError) throw invalid(`DataProcessing.${k}`, p, e.message.replace(/\.$/, ''));
        throw e;
      }
    }
  }
  const split = input.TransformInput.SplitType ?? 'None';
  const joins = dp.JoinSource === 'Input';
  if ((dp.InputFilter || joins) && (mediaKind(input.TransformInput.ContentType) === 'other' || split === 'RecordIO' || split === 'TFRecord')) {
    throw invalid('TransformInput.ContentType', input.TransformInput.ContentType ?? null, 'InputFilter and JoinSource need CSV or JSON records (a text/csv or application/json(lines) ContentType, SplitType Line or None)');
  }
  if ((dp.OutputFilter || joins) && mediaKind(input.TransformOutput.Accept ?? input.TransformInput.ContentType) === 'other') {
    throw invalid('TransformOutput.Accept', input.TransformOutput.Accept ?? null, 'OutputFilter and JoinSource need a CSV or JSON Accept');
  }
  if (input.TransformResources.InstanceCount > capacity.slots) {
    throw invalid('TransformResources.InstanceCount', input.TransformResources.InstanceCount, `Member must be at most ${capacity.slots} (the executor's job slots)`);
  }
  if (model.networkIsolation && !capacity.networkIsolation.supported) {
    throw invalid('ModelName', input.ModelName, `the model asks for network isolation, which is not available here: ${capacity.networkIsolation.reason ?? 'unknown reason'}`);
  }
}

/**
 * The job the runner runs: the batch driver as a process image; the input as channel `data` (sharded
 * by key across instances, so one file never spans two), the model archive as `model` and a script's
 * source as `code`; `transform/output/` uploaded to S3OutputPath.
 */
export function buildTransformJobSpec(input: CreateInput, model: ModelRecord, ctx: TransformSpecContext): JobSpec {
  const container = model.containers[0];
  if (!container) throw invalid('ModelName', input.ModelName, 'the model has no container');
  const src = input.TransformInput.DataSource.S3DataSource;
  const channel = (name: string, s3Uri: string, over: Partial<JobChannelSpec> = {}): JobChannelSpec => ({
    name, s3Uri, s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'None', inputMode: 'File', recordWrapper: 'None', localPath: `/opt/ml/input/data/${name}`, ...over,
  });
  const submit = container.environment['SAGEMAKER_SUBMIT_DIRECTORY'];
  const channels = [
    channel('data', src.S3Uri, {
      s3DataType: src.S3DataType as 'S3Prefix' | 'ManifestFile', distribution: 'ShardedByS3Key', compression: input.TransformInput.CompressionType ?? 'None',
      // Each output is named after its input object, `.gz` included (`rows.csv.gz` → `rows.csv.gz.out`), as SageMaker names it.
      keepCompressedNames: true,
      describedAs: 'TransformInput',
      ...(input.TransformInput.ContentType ? { contentType: input.TransformInput.ContentType } : {}),
      ...manifestPrefix(ctx, src.S3DataType, src.S3Uri),
    }),
    // One object each (the caller's access was checked on that object): not every key starting with it.
    ...(container.modelDataUrl ? [channel('model', container.modelDataUrl, { exactObject: true, describedAs: "The model's ModelDataUrl" })] : []),
    ...(submit?.startsWith('s3://') ? [channel('code', submit, { exactObject: true, describedAs: "The model's SAGEMAKER_SUBMIT_DIRECTORY" })] : []),
  ];
  const shape = effectiveShape(input.TransformResources.InstanceType, ctx.capacity);
  const dp = input.DataProcessing ?? {};
  const config: TransformDriverConfig = {
    jobName: input.TransformJobName,
    splitType: input.TransformInput.SplitType ?? 'None',
    assembleWith: input.TransformOutput.AssembleWith ?? 'None',
    invocationsTimeoutSeconds: input.ModelClientConfig?.InvocationsTimeoutInSeconds ?? 600,
    invocationsMaxRetries: input.ModelClientConfig?.InvocationsMaxRetries ?? 3,
    environment: input.Environment ?? {},
    container: { image: container.image, environment: container.environment, hasModelData: container.modelDataUrl !== undefined, hasSourceDir: submit?.startsWith('s3://') ?? false },
    python: ctx.python,
    vcpus: shape.vcpus,
    ...(input.TransformInput.ContentType ? { contentType: input.TransformInput.ContentType } : {}),
    ...(input.BatchStrategy ? { batchStrategy: input.BatchStrategy } : {}),
    ...(input.MaxPayloadInMB !== undefined ? { maxPayloadInMB: input.MaxPayloadInMB } : {}),
    ...(input.MaxConcurrentTransforms !== undefined ? { maxConcurrentTransforms: input.MaxConcurrentTransforms } : {}),
    ...(input.TransformOutput.Accept ? { accept: input.TransformOutput.Accept } : {}),
    ...(dp.InputFilter ? { inputFilter: dp.InputFilter } : {}),
    ...(dp.OutputFilter ? { outputFilter: dp.OutputFilter } : {}),
    ...(dp.JoinSource ? { joinSource: dp.JoinSource } : {}),
  };
  return {
    // 'transform-job' runs through the same coordinator, executor and runner as the other job kinds.
    kind: 'transform-job',
    name: input.TransformJobName, arn: ctx.arn, region: ctx.region,
    image: { type: 'process', name: 'loam-batch-transform', uri: 'loam/batch-transform', command: ctx.driver.command, args: [...ctx.driver.args] },
    hyperParameters: {}, environment: { LOAM_TRANSFORM_CONFIG: JSON.stringify(config) },
    channels, outputs: [{ name: 'output', s3Uri: input.TransformOutput.S3OutputPath, localPath: '/opt/ml/transform/output', uploadMode: 'EndOfJob' }],
    instanceType: input.TransformResources.InstanceType, instanceCount: input.TransformResources.InstanceCount, volumeSizeInGB: 30,
    vcpus: shape.vcpus, memoryMiB: shape.memoryMiB, maxRuntimeSeconds: MAX_RUNTIME_SECONDS, networkIsolation: model.networkIsolation, metricDefinitions: [],
  };
}
