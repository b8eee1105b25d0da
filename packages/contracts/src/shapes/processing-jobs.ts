import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, TagList, Timestamp, StringMap } from './common.js';
import {
  ContainerArguments, ContainerEntrypoint, ExperimentConfig, FailureReason, ImageUri, JobName, JobSortBy, KmsKeyId, literals, ProcessText,
  ProcessingInstanceType, ProcessingJobStatus, RoleArn, S3Uri, VpcConfig,
} from './jobs-common.js';

const closed = { additionalProperties: false } as const;
const LocalPath = Type.String({ maxLength: 256 });

export const ProcessingInput = Type.Object({
  InputName: Type.String({ minLength: 1, maxLength: 256 }),
  AppManaged: Type.Optional(Type.Boolean()),
  S3Input: Type.Optional(Type.Object({
    S3Uri,
    LocalPath: Type.Optional(LocalPath),
    S3DataType: literals(['ManifestFile', 'S3Prefix']),
    S3InputMode: Type.Optional(literals(['Pipe', 'File'])),
    S3DataDistributionType: Type.Optional(literals(['FullyReplicated', 'ShardedByS3Key'])),
    S3CompressionType: Type.Optional(literals(['None', 'Gzip'])),
  }, closed)),
}, closed);

export const ProcessingOutput = Type.Object({
  OutputName: Type.String({ minLength: 1, maxLength: 256 }),
  S3Output: Type.Optional(Type.Object({
    S3Uri,
    LocalPath: Type.Optional(LocalPath),
    S3UploadMode: literals(['Continuous', 'EndOfJob']),
  }, closed)),
  AppManaged: Type.Optional(Type.Boolean()),
}, closed);

export const ProcessingOutputConfig = Type.Object({
  Outputs: Type.Array(ProcessingOutput, { maxItems: 10 }),
  KmsKeyId: Type.Optional(KmsKeyId),
}, closed);

export const ProcessingResources = Type.Object({
  ClusterConfig: Type.Object({
    InstanceCount: Type.Integer({ minimum: 1, maximum: 100 }),
    InstanceType: ProcessingInstanceType,
    VolumeSizeInGB: Type.Integer({ minimum: 1, maximum: 16384 }),
    VolumeKmsKeyId: Type.Optional(KmsKeyId),
  }, closed),
}, closed);

export const AppSpecification = Type.Object({
  ImageUri,
  ContainerEntrypoint: Type.Optional(ContainerEntrypoint),
  ContainerArguments: Type.Optional(ContainerArguments),
}, closed);

export const NetworkConfig = Type.Object({
  EnableInterContainerTrafficEncryption: Type.Optional(Type.Boolean()),
  EnableNetworkIsolation: Type.Optional(Type.Boolean()),
  VpcConfig: Type.Optional(VpcConfig),
}, closed);

export const ProcessingStoppingCondition = Type.Object({ MaxRuntimeInSeconds: Type.Integer({ minimum: 1, maximum: 777600 }) }, closed);
const Environment = StringMap({ maxLength: 256, pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }, ProcessText(256), { maxEntries: 100 });

export const CreateProcessingJobInput = Input({
  ProcessingInputs: Type.Optional(Type.Array(ProcessingInput, { maxItems: 10 })),
  ProcessingOutputConfig: Type.Optional(ProcessingOutputConfig),
  ProcessingJobName: JobName,
  ProcessingResources,
  StoppingCondition: Type.Optional(ProcessingStoppingCondition),
  AppSpecification,
  Environment: Type.Optional(Environment),
  NetworkConfig: Type.Optional(NetworkConfig),
  RoleArn,
  Tags: Type.Optional(TagList),
  ExperimentConfig: Type.Optional(ExperimentConfig),
});
export const CreateProcessingJobOutput = Output({ ProcessingJobArn: Type.String() });

export const DescribeProcessingJobInput = Input({ ProcessingJobName: JobName });
export const DescribeProcessingJobOutput = Output({
  ProcessingInputs: Type.Optional(Type.Array(ProcessingInput)),
  ProcessingOutputConfig: Type.Optional(ProcessingOutputConfig),
  ProcessingJobName: Type.String(),
  ProcessingResources,
  StoppingCondition: Type.Optional(ProcessingStoppingCondition),
  AppSpecification,
  Environment: Type.Optional(Type.Record(Type.String(), Type.String())),
  NetworkConfig: Type.Optional(NetworkConfig),
  RoleArn: Type.Optional(Type.String()),
  ExperimentConfig: Type.Optional(ExperimentConfig),
  ProcessingJobArn: Type.String(),
  ProcessingJobStatus,
  ExitMessage: Type.Optional(Type.String({ maxLength: 1024 })),
  FailureReason: Type.Optional(FailureReason),
  ProcessingEndTime: Type.Optional(Timestamp),
  ProcessingStartTime: Type.Optional(Timestamp),
  LastModifiedTime: Type.Optional(Timestamp),
  CreationTime: Timestamp,
});

export const ListProcessingJobsInput = Input({
  CreationTimeAfter: Type.Optional(Timestamp),
  CreationTimeBefore: Type.Optional(Timestamp),
  LastModifiedTimeAfter: Type.Optional(Timestamp),
  LastModifiedTimeBefore: Type.Optional(Timestamp),
  NameContains: Type.Optional(Type.String({ maxLength: 63 })),
  StatusEquals: Type.Optional(ProcessingJobStatus),
  SortBy: Type.Optional(JobSortBy),
  SortOrder: Type.Optional(SortOrder),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
});
export const ProcessingJobSummary = Output({
  ProcessingJobName: Type.String(),
  ProcessingJobArn: Type.String(),
  CreationTime: Timestamp,
  ProcessingEndTime: Type.Optional(Timestamp),
  LastModifiedTime: Type.Optional(Timestamp),
  ProcessingJobStatus,
  FailureReason: Type.Optional(FailureReason),
  ExitMessage: Type.Optional(Type.String()),
});
export const ListProcessingJobsOutput = Output({ ProcessingJobSummaries: Type.Array(ProcessingJobSummary), NextToken: Type.Optional(Type.String()) });

export const StopProcessingJobInput = Input({ ProcessingJobName: JobName });
export const GetProcessingJobLogsInput = Input({
  ProcessingJobName: JobName,
  NextToken: Type.Optional(NextToken),
  Limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
});
