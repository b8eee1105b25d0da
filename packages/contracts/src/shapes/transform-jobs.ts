import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, TagList, Timestamp, StringMap } from './common.js';
import { CompressionType, ExperimentConfig, FailureReason, JobName, KmsKeyId, literals, ProcessText, S3Uri } from './jobs-common.js';
import { ModelName } from './models.js';

// Batch transform, with SageMaker's member names, enums and constraints (botocore model), and the
// driver contract core hands the runtime through the runner.

const closed = { additionalProperties: false } as const;

export const transformInstanceTypes = [
  'ml.m4.xlarge', 'ml.m4.2xlarge', 'ml.m4.4xlarge', 'ml.m4.10xlarge', 'ml.m4.16xlarge', 'ml.c4.xlarge', 'ml.c4.2xlarge', 'ml.c4.4xlarge',
  'ml.c4.8xlarge', 'ml.p2.xlarge', 'ml.p2.8xlarge', 'ml.p2.16xlarge', 'ml.p3.2xlarge', 'ml.p3.8xlarge', 'ml.p3.16xlarge', 'ml.c5.xlarge',
  'ml.c5.2xlarge', 'ml.c5.4xlarge', 'ml.c5.9xlarge', 'ml.c5.18xlarge', 'ml.m5.large', 'ml.m5.xlarge', 'ml.m5.2xlarge', 'ml.m5.4xlarge',
  'ml.m5.12xlarge', 'ml.m5.24xlarge', 'ml.m6i.large', 'ml.m6i.xlarge', 'ml.m6i.2xlarge', 'ml.m6i.4xlarge', 'ml.m6i.8xlarge', 'ml.m6i.12xlarge',
  'ml.m6i.16xlarge', 'ml.m6i.24xlarge', 'ml.m6i.32xlarge', 'ml.c6i.large', 'ml.c6i.xlarge', 'ml.c6i.2xlarge', 'ml.c6i.4xlarge', 'ml.c6i.8xlarge',
  'ml.c6i.12xlarge', 'ml.c6i.16xlarge', 'ml.c6i.24xlarge', 'ml.c6i.32xlarge', 'ml.r6i.large', 'ml.r6i.xlarge', 'ml.r6i.2xlarge', 'ml.r6i.4xlarge',
  'ml.r6i.8xlarge', 'ml.r6i.12xlarge', 'ml.r6i.16xlarge', 'ml.r6i.24xlarge', 'ml.r6i.32xlarge', 'ml.m7i.large', 'ml.m7i.xlarge', 'ml.m7i.2xlarge',
  'ml.m7i.4xlarge', 'ml.m7i.8xlarge', 'ml.m7i.12xlarge', 'ml.m7i.16xlarge', 'ml.m7i.24xlarge', 'ml.m7i.48xlarge', 'ml.c7i.large', 'ml.c7i.xlarge',
  'ml.c7i.2xlarge', 'ml.c7i.4xlarge', 'ml.c7i.8xlarge', 'ml.c7i.12xlarge', 'ml.c7i.16xlarge', 'ml.c7i.24xlarge', 'ml.c7i.48xlarge', 'ml.r7i.large',
  'ml.r7i.xlarge', 'ml.r7i.2xlarge', 'ml.r7i.4xlarge', 'ml.r7i.8xlarge', 'ml.r7i.12xlarge', 'ml.r7i.16xlarge', 'ml.r7i.24xlarge', 'ml.r7i.48xlarge',
  'ml.g4dn.xlarge', 'ml.g4dn.2xlarge', 'ml.g4dn.4xlarge', 'ml.g4dn.8xlarge', 'ml.g4dn.12xlarge', 'ml.g4dn.16xlarge', 'ml.g5.xlarge', 'ml.g5.2xlarge',
  'ml.g5.4xlarge', 'ml.g5.8xlarge', 'ml.g5.12xlarge', 'ml.g5.16xlarge', 'ml.g5.24xlarge', 'ml.g5.48xlarge', 'ml.trn1.2xlarge', 'ml.trn1.32xlarge',
  'ml.inf2.xlarge', 'ml.inf2.8xlarge', 'ml.inf2.24xlarge', 'ml.inf2.48xlarge', 'ml.g6.xlarge', 'ml.g6.2xlarge', 'ml.g6.4xlarge', 'ml.g6.8xlarge',
  'ml.g6.12xlarge', 'ml.g6.16xlarge', 'ml.g6.24xlarge', 'ml.g6.48xlarge',
] as const;

export const TransformJobStatus = literals(['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped']);
export const SplitType = literals(['None', 'Line', 'RecordIO', 'TFRecord']);
export const BatchStrategy = literals(['MultiRecord', 'SingleRecord']);
const JsonPath = Type.String({ maxLength: 63 });

export const TransformInput = Type.Object({
  DataSource: Type.Object({
    S3DataSource: Type.Object({ S3DataType: literals(['ManifestFile', 'S3Prefix', 'AugmentedManifestFile', 'Converse']), S3Uri }, closed),
  }, closed),
  ContentType: Type.Optional(Type.String({ maxLength: 256 })),
  CompressionType: Type.Optional(CompressionType),
  SplitType: Type.Optional(SplitType),
}, closed);
export const TransformOutput = Type.Object({
  S3OutputPath: S3Uri,
  Accept: Type.Optional(Type.String({ maxLength: 256 })),
  AssembleWith: Type.Optional(literals(['None', 'Line'])),
  KmsKeyId: Type.Optional(KmsKeyId),
}, closed);
export const TransformResources = Type.Object({
  InstanceType: literals(transformInstanceTypes),
  InstanceCount: Type.Integer({ minimum: 1 }),
  VolumeKmsKeyId: Type.Optional(KmsKeyId),
  TransformAmiVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
}, closed);
export const DataProcessing = Type.Object({
  InputFilter: Type.Optional(JsonPath),
  OutputFilter: Type.Optional(JsonPath),
  JoinSource: Type.Optional(literals(['Input', 'None'])),
}, closed);
export const ModelClientConfig = Type.Object({
  InvocationsTimeoutInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  InvocationsMaxRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
}, closed);
const Environment = StringMap({ maxLength: 1024, pattern: '^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$' }, ProcessText(10240), { maxEntries: 16 });

export const CreateTransformJobInput = Input({
  TransformJobName: JobName,
  ModelName,
  MaxConcurrentTransforms: Type.Optional(Type.Integer({ minimum: 0 })),
  ModelClientConfig: Type.Optional(ModelClientConfig),
  MaxPayloadInMB: Type.Optional(Type.Integer({ minimum: 0 })),
  BatchStrategy: Type.Optional(BatchStrategy),
  Environment: Type.Optional(Environment),
  TransformInput,
  TransformOutput,
  DataCaptureConfig: Type.Optional(Type.Object({ DestinationS3Uri: S3Uri, KmsKeyId: Type.Optional(KmsKeyId), GenerateInferenceId: Type.Optional(Type.Boolean()) }, closed)),
  TransformResources,
  DataProcessing: Type.Optional(DataProcessing),
  Tags: Type.Optional(TagList),
  ExperimentConfig: Type.Optional(ExperimentConfig),
});
export const CreateTransformJobOutput = Output({ TransformJobArn: Type.String() });

export const DescribeTransformJobInput = Input({ TransformJobName: JobName });
export const DescribeTransformJobOutput = Output({
  TransformJobName: Type.String(),
  TransformJobArn: Type.String(),
  TransformJobStatus,
  FailureReason: Type.Optional(FailureReason),
  ModelName: Type.String(),
  MaxConcurrentTransforms: Type.Optional(Type.Integer()),
  ModelClientConfig: Type.Optional(ModelClientConfig),
  MaxPayloadInMB: Type.Optional(Type.Integer()),
  BatchStrategy: Type.Optional(BatchStrategy),
  Environment: Type.Optional(Type.Record(Type.String(), Type.String())),
  TransformInput,
  TransformOutput: Type.Optional(TransformOutput),
  DataCaptureConfig: Type.Optional(Type.Object({ DestinationS3Uri: Type.String(), KmsKeyId: Type.Optional(Type.String()), GenerateInferenceId: Type.Optional(Type.Boolean()) })),
  TransformResources,
  CreationTime: Timestamp,
  TransformStartTime: Type.Optional(Timestamp),
  TransformEndTime: Type.Optional(Timestamp),
  DataProcessing: Type.Optional(DataProcessing),
  ExperimentConfig: Type.Optional(ExperimentConfig),
});

export const ListTransformJobsInput = Input({
  CreationTimeAfter: Type.Optional(Timestamp),
  CreationTimeBefore: Type.Optional(Timestamp),
  LastModifiedTimeAfter: Type.Optional(Timestamp),
  LastModifiedTimeBefore: Type.Optional(Timestamp),
  NameContains: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9-]*$' })),
  StatusEquals: Type.Optional(TransformJobStatus),
  SortBy: Type.Optional(literals(['Name', 'CreationTime', 'Status'])),
  SortOrder: Type.Optional(SortOrder),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
});
export const TransformJobSummary = Output({
  TransformJobName: Type.String(), TransformJobArn: Type.String(), CreationTime: Timestamp, TransformEndTime: Type.Optional(Timestamp),
  LastModifiedTime: Type.Optional(Timestamp), TransformJobStatus, FailureReason: Type.Optional(Type.String()),
});
export const ListTransformJobsOutput = Output({ TransformJobSummaries: Type.Array(TransformJobSummary), NextToken: Type.Optional(Type.String()) });

export const StopTransformJobInput = Input({ TransformJobName: JobName });

/** A model container as the batch driver starts it (core's ServingContainer, restated for the runtime). */
export interface TransformContainer {
  readonly image:
    | { readonly type: 'builtin'; readonly algorithm: string }
    | { readonly type: 'script'; readonly framework: string; readonly program: string }
    | { readonly type: 'process'; readonly name: string; readonly command: string; readonly args?: readonly string[]; readonly env?: Readonly<Record<string, string>> };
  readonly environment: Readonly<Record<string, string>>;
  readonly hasModelData: boolean;
  readonly hasSourceDir: boolean;
}

/**
 * What core hands the batch driver (in the job's environment as `LOAM_TRANSFORM_CONFIG`). The runner
 * stages the input into `input/data/data/`, the model archive into `input/data/model/` and a script's
 * source archive into `input/data/code/`, and uploads `transform/output/` to S3OutputPath.
 */
export interface TransformDriverConfig {
  readonly jobName: string;
  readonly contentType?: string;
  readonly splitType: 'None' | 'Line' | 'RecordIO' | 'TFRecord';
  /** Request values; the container's `/execution-parameters` and the defaults fill what is unset. */
  readonly batchStrategy?: 'MultiRecord' | 'SingleRecord';
  readonly maxPayloadInMB?: number;
  readonly maxConcurrentTransforms?: number;
  readonly accept?: string;
  readonly assembleWith: 'None' | 'Line';
  readonly inputFilter?: string;
  readonly outputFilter?: string;
  readonly joinSource?: 'Input' | 'None';
  readonly invocationsTimeoutSeconds: number;
  readonly invocationsMaxRetries: number;
  /** The request's Environment, laid over the container's. */
  readonly environment: Readonly<Record<string, string>>;
  readonly container: TransformContainer;
  /** The interpreter for script-mode models (`images.python`). */
  readonly python: string;
  /** The instance's vCPUs: MaxConcurrentTransforms 0 ("auto") means one per vCPU. */
  readonly vcpus: number;
}

/** Loam's log read (no CloudWatch): the batch driver's and the model server's lines, paged. */
export const GetTransformJobLogsInput = Input({
  TransformJobName: JobName,
  NextToken: Type.Optional(NextToken),
  Limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Lines per page, default 1000.' })),
});
