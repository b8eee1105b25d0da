import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, TagList, Timestamp, StringMap } from './common.js';
import {
  CompressionType, ContainerArguments, ContainerEntrypoint, ExperimentConfig, FailureReason, JobLogEvent, JobName, JobSortBy, KmsKeyId,
  literals, MetricDefinitionList, ProcessText, ProcessingInstanceType, RoleArn, S3DataDistribution, S3Uri, SecondaryStatus, TrainingInstanceType, TrainingJobStatus, VpcConfig,
} from './jobs-common.js';

const closed = { additionalProperties: false } as const;
const TrainingInputMode = literals(['Pipe', 'File', 'FastFile']);

export const AlgorithmSpecification = Type.Object({
  TrainingImage: Type.Optional(Type.String({ maxLength: 255 })),
  AlgorithmName: Type.Optional(Type.String({ minLength: 1, maxLength: 170 })),
  TrainingInputMode,
  MetricDefinitions: Type.Optional(MetricDefinitionList),
  EnableSageMakerMetricsTimeSeries: Type.Optional(Type.Boolean()),
  ContainerEntrypoint: Type.Optional(ContainerEntrypoint),
  ContainerArguments: Type.Optional(ContainerArguments),
  TrainingImageConfig: Type.Optional(Type.Object({ TrainingRepositoryAccessMode: literals(['Platform', 'Vpc']) }, closed)),
}, closed);

export const S3DataSource = Type.Object({
  S3DataType: literals(['ManifestFile', 'S3Prefix', 'AugmentedManifestFile', 'Converse']),
  S3Uri,
  S3DataDistributionType: Type.Optional(S3DataDistribution),
  AttributeNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 16 })),
}, closed);

export const Channel = Type.Object({
  ChannelName: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9\\.\\-_]+$' }),
  DataSource: Type.Object({ S3DataSource: Type.Optional(S3DataSource) }, closed),
  ContentType: Type.Optional(Type.String({ maxLength: 256 })),
  CompressionType: Type.Optional(CompressionType),
  RecordWrapperType: Type.Optional(literals(['None', 'RecordIO'])),
  InputMode: Type.Optional(TrainingInputMode),
  // A Long in SageMaker (-2^63 … 2^63 - 1), read here as a JSON number: a double, exact only up to ±(2^53 - 1). A seed past
  // that was read as the nearest double (9007199254740993 as …992), shuffled as that other seed and answered by Describe
  // as a value never sent; it is refused instead, naming the member (any integer literal past the bound parses past it).
  ShuffleConfig: Type.Optional(Type.Object({ Seed: Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, description: 'A Long in SageMaker (any 64-bit integer); Loam takes -9007199254740991 to 9007199254740991 (±(2^53 - 1)), the integers a JSON number carries exactly: a seed past them would be read as another one, so it is refused.' }) }, {
    ...closed,
    description: "The channel's objects (S3Prefix keys in key order, ManifestFile entries in manifest order) are shuffled with Seed before ShardedByS3Key deals them to the hosts: " +
      "the same permutation on every host and every run for a seed (Loam's own: Fisher–Yates driven by SplitMix64, not SageMaker's). A File-mode channel is staged once, " +
      "so a FullyReplicated channel holds the same files whatever the seed; a Pipe-mode channel of a script or process image is reshuffled at every epoch " +
      "(FIFOs /opt/ml/input/data/<channel>_<epoch>; epoch 0 in the File-mode order) and ShardedByS3Key deals each epoch anew; the built-in algorithms read Pipe channels as staged files.",
  })),
}, closed);

export const OutputDataConfig = Type.Object({
  S3OutputPath: S3Uri,
  KmsKeyId: Type.Optional(KmsKeyId),
  CompressionType: Type.Optional(literals(['GZIP', 'NONE'])),
}, closed);

export const ResourceConfig = Type.Object({
  InstanceType: Type.Optional(TrainingInstanceType),
  InstanceCount: Type.Optional(Type.Integer({ minimum: 0 })),
  VolumeSizeInGB: Type.Optional(Type.Integer({ minimum: 0 })),
  VolumeKmsKeyId: Type.Optional(KmsKeyId),
  KeepAlivePeriodInSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 21600 })),
}, closed);

export const StoppingCondition = Type.Object({
  MaxRuntimeInSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  MaxWaitTimeInSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  MaxPendingTimeInSeconds: Type.Optional(Type.Integer({ minimum: 7200, maximum: 2419200 })),
}, closed);

export const CheckpointConfig = Type.Object({ S3Uri, LocalPath: Type.Optional(Type.String({ maxLength: 4096 })) }, closed);
export const RetryStrategy = Type.Object({ MaximumRetryAttempts: Type.Integer({ minimum: 1, maximum: 30 }) }, closed);

/* SageMaker Debugger's members, as the SageMaker Python SDK's framework estimators send them by default. */
const DirectoryPath = Type.String({ maxLength: 4096 });
const ConfigMap = (maxEntries: number) => StringMap({ minLength: 1, maxLength: 256 }, Type.String({ maxLength: 256 }), { maxEntries });
export const DebugHookConfig = Type.Object({
  LocalPath: Type.Optional(Type.String({ maxLength: 4096, description: 'Where the job writes its tensors, under /opt/ml; default /opt/ml/output/tensors. Uploaded to `<S3OutputPath>/<job name>/debug-output/` when the job ends.' })),
  S3OutputPath: S3Uri,
  HookParameters: Type.Optional(ConfigMap(20)),
  CollectionConfigurations: Type.Optional(Type.Array(Type.Object({
    CollectionName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    CollectionParameters: Type.Optional(ConfigMap(20)),
  }, closed), { maxItems: 20 })),
}, { ...closed, description: 'Written to /opt/ml/input/config/debughookconfig.json for the image (smdebug reads it there).' });
export const RuleConfiguration = Type.Object({
  RuleConfigurationName: Type.String({ minLength: 1, maxLength: 256 }),
  LocalPath: Type.Optional(DirectoryPath),
  S3OutputPath: Type.Optional(S3Uri),
  RuleEvaluatorImage: Type.String({ maxLength: 255 }),
  InstanceType: Type.Optional(ProcessingInstanceType),
  VolumeSizeInGB: Type.Optional(Type.Integer({ minimum: 0 })),
  RuleParameters: Type.Optional(ConfigMap(100)),
}, { ...closed, description: 'Accepted and returned; Loam does not run rule evaluation containers, so its status is Error.' });
export const RuleConfigurations = Type.Array(RuleConfiguration, { maxItems: 20 });
export const ProfilerConfig = Type.Object({
  S3OutputPath: Type.Optional(S3Uri),
  ProfilingIntervalInMilliseconds: Type.Optional(Type.Integer()),
  ProfilingParameters: Type.Optional(ConfigMap(20)),
  DisableProfiler: Type.Optional(Type.Boolean()),
}, { ...closed, description: 'Stored and returned; Loam produces no profiling data.' });
export const TensorBoardOutputConfig = Type.Object({
  LocalPath: Type.Optional(Type.String({ maxLength: 4096, description: 'Where the job writes TensorBoard files, under /opt/ml; default /opt/ml/output/tensorboard.' })),
  S3OutputPath: S3Uri,
}, { ...closed, description: 'The files under LocalPath are uploaded to `<S3OutputPath>/<job name>/tensorboard-output/` when the job ends.' });
export const RuleEvaluationStatus = Output({
  RuleConfigurationName: Type.Optional(Type.String()),
  RuleEvaluationJobArn: Type.Optional(Type.String()),
  RuleEvaluationStatus: Type.Optional(literals(['InProgress', 'NoIssuesFound', 'IssuesFound', 'Error', 'Stopping', 'Stopped'])),
  StatusDetails: Type.Optional(Type.String()),
  LastModifiedTime: Type.Optional(Timestamp),
});

const HyperParameters = StringMap({ maxLength: 256 }, ProcessText(2500), {
  maxEntries: 100, description: 'Strings, passed to the job literally (never through a shell).',
});
const Environment = StringMap({ maxLength: 512, pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }, ProcessText(512), { maxEntries: 100 });

export const CreateTrainingJobInput = Input({
  TrainingJobName: JobName,
  HyperParameters: Type.Optional(HyperParameters),
  AlgorithmSpecification,
  RoleArn,
  InputDataConfig: Type.Optional(Type.Array(Channel, { minItems: 1, maxItems: 20 })),
  OutputDataConfig,
  ResourceConfig,
  VpcConfig: Type.Optional(VpcConfig),
  StoppingCondition: Type.Optional(StoppingCondition),
  Tags: Type.Optional(TagList),
  EnableNetworkIsolation: Type.Optional(Type.Boolean()),
  EnableInterContainerTrafficEncryption: Type.Optional(Type.Boolean()),
  EnableManagedSpotTraining: Type.Optional(Type.Boolean()),
  CheckpointConfig: Type.Optional(CheckpointConfig),
  ExperimentConfig: Type.Optional(ExperimentConfig),
  Environment: Type.Optional(Environment),
  RetryStrategy: Type.Optional(RetryStrategy),
  DebugHookConfig: Type.Optional(DebugHookConfig),
  DebugRuleConfigurations: Type.Optional(RuleConfigurations),
  ProfilerConfig: Type.Optional(ProfilerConfig),
  ProfilerRuleConfigurations: Type.Optional(RuleConfigurations),
  TensorBoardOutputConfig: Type.Optional(TensorBoardOutputConfig),
});
export const CreateTrainingJobOutput = Output({ TrainingJobArn: Type.String() });

export const SecondaryStatusTransition = Output({
  Status: SecondaryStatus,
  StartTime: Timestamp,
  EndTime: Type.Optional(Timestamp),
  StatusMessage: Type.Optional(Type.String()),
});
export const MetricData = Output({ MetricName: Type.String(), Value: Type.Number(), Timestamp });

export const DescribeTrainingJobInput = Input({ TrainingJobName: JobName });
export const DescribeTrainingJobOutput = Output({
  TrainingJobName: Type.String(),
  TrainingJobArn: Type.String(),
  TuningJobArn: Type.Optional(Type.String({ description: 'The hyperparameter tuning job that launched this training job.' })),
  /** Absent until the job has uploaded a model (a failed or stopped job may have none), as SageMaker answers. */
  ModelArtifacts: Type.Optional(Output({ S3ModelArtifacts: Type.String() })),
  TrainingJobStatus,
  SecondaryStatus,
  FailureReason: Type.Optional(FailureReason),
  HyperParameters: Type.Optional(Type.Record(Type.String(), Type.String())),
  AlgorithmSpecification: Type.Optional(AlgorithmSpecification),
  RoleArn: Type.Optional(Type.String()),
  InputDataConfig: Type.Optional(Type.Array(Channel)),
  OutputDataConfig: Type.Optional(OutputDataConfig),
  ResourceConfig: Type.Optional(ResourceConfig),
  VpcConfig: Type.Optional(VpcConfig),
  StoppingCondition: StoppingCondition,
  CreationTime: Timestamp,
  TrainingStartTime: Type.Optional(Timestamp),
  TrainingEndTime: Type.Optional(Timestamp),
  LastModifiedTime: Type.Optional(Timestamp),
  SecondaryStatusTransitions: Type.Optional(Type.Array(SecondaryStatusTransition)),
  FinalMetricDataList: Type.Optional(Type.Array(MetricData)),
  EnableNetworkIsolation: Type.Optional(Type.Boolean()),
  EnableInterContainerTrafficEncryption: Type.Optional(Type.Boolean()),
  EnableManagedSpotTraining: Type.Optional(Type.Boolean()),
  CheckpointConfig: Type.Optional(CheckpointConfig),
  TrainingTimeInSeconds: Type.Optional(Type.Integer()),
  BillableTimeInSeconds: Type.Optional(Type.Integer()),
  ExperimentConfig: Type.Optional(ExperimentConfig),
  Environment: Type.Optional(Type.Record(Type.String(), Type.String())),
  RetryStrategy: Type.Optional(RetryStrategy),
  DebugHookConfig: Type.Optional(DebugHookConfig),
  DebugRuleConfigurations: Type.Optional(RuleConfigurations),
  DebugRuleEvaluationStatuses: Type.Optional(Type.Array(RuleEvaluationStatus)),
  ProfilerConfig: Type.Optional(ProfilerConfig),
  ProfilerRuleConfigurations: Type.Optional(RuleConfigurations),
  ProfilerRuleEvaluationStatuses: Type.Optional(Type.Array(RuleEvaluationStatus)),
  ProfilingStatus: Type.Optional(literals(['Enabled', 'Disabled'])),
  TensorBoardOutputConfig: Type.Optional(TensorBoardOutputConfig),
});

export const ListTrainingJobsInput = Input({
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
  CreationTimeAfter: Type.Optional(Timestamp),
  CreationTimeBefore: Type.Optional(Timestamp),
  LastModifiedTimeAfter: Type.Optional(Timestamp),
  LastModifiedTimeBefore: Type.Optional(Timestamp),
  NameContains: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9\\-]*$' })),
  StatusEquals: Type.Optional(TrainingJobStatus),
  SortBy: Type.Optional(JobSortBy),
  SortOrder: Type.Optional(SortOrder),
  WarmPoolStatusEquals: Type.Optional(literals(['Available', 'Terminated', 'Reused', 'InUse'], 'Loam keeps no warm pools: no job has a warm pool status, so any value lists no jobs.')),
});
export const TrainingJobSummary = Output({
  TrainingJobName: Type.String(),
  TrainingJobArn: Type.String(),
  CreationTime: Timestamp,
  TrainingEndTime: Type.Optional(Timestamp),
  LastModifiedTime: Type.Optional(Timestamp),
  TrainingJobStatus,
  SecondaryStatus: Type.Optional(SecondaryStatus),
});
export const ListTrainingJobsOutput = Output({ TrainingJobSummaries: Type.Array(TrainingJobSummary), NextToken: Type.Optional(Type.String()) });

export const StopTrainingJobInput = Input({ TrainingJobName: JobName });

/** Loam's log operations (no CloudWatch): a page of lines from a position, and the token for the next. */
export const GetTrainingJobLogsInput = Input({
  TrainingJobName: JobName,
  NextToken: Type.Optional(NextToken),
  Limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Lines per page, default 1000.' })),
});
export const JobLogsOutput = Output({
  Events: Type.Array(JobLogEvent),
  NextForwardToken: Type.String({ description: 'Pass back to read on; the same token is returned when no newer line exists yet.' }),
  Complete: Type.Boolean({ description: 'The job has ended and every line has been returned.' }),
});

/** Loam's metric read (no CloudWatch): every stored point of a training job's metric series, paged. */
export const GetTrainingJobMetricsInput = Input({
  TrainingJobName: JobName,
  MetricName: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Only this metric (as named in MetricDefinitions or by a built-in image).' })),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Points per page, default 1000.' })),
});
export const TrainingJobMetricPoint = Type.Object({
  MetricName: Type.String(),
  Value: Type.Number(),
  Timestamp,
  Step: Type.Integer({ minimum: 0, description: 'The position of the point in its series (0, 1, 2 … in the order the job reported them).' }),
});
export const GetTrainingJobMetricsOutput = Output({
  Metrics: Type.Array(TrainingJobMetricPoint, { description: 'Sorted by MetricName, then Step. Long series keep every recent point and every other older one.' }),
  NextToken: Type.Optional(Type.String()),
});
