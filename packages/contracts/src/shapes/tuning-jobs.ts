import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, TagList, Timestamp, StringMap } from './common.js';
import { FailureReason, literals, MetricDefinitionList, ProcessText, RoleArn, TrainingJobStatus, VpcConfig } from './jobs-common.js';
import { Channel, CheckpointConfig, OutputDataConfig, ResourceConfig, RetryStrategy, StoppingCondition } from './training-jobs.js';

// Automatic model tuning, with SageMaker's member names and limits (botocore model, 2017-07-24).
// Range values travel as strings, as in SageMaker; core parses and checks them (400 naming the range).

const closed = { additionalProperties: false } as const;

/** SageMaker's tuning-job name rule: at most 32 characters. */
export const TuningJobName = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$' });
export const TuningJobStatus = literals(['Completed', 'InProgress', 'Failed', 'Stopped', 'Stopping', 'Deleting', 'DeleteFailed']);
export const TuningStrategy = literals(['Bayesian', 'Random', 'Hyperband', 'Grid']);
export const ObjectiveType = literals(['Maximize', 'Minimize']);
export const ScalingType = literals(['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic']);

const ParameterKey = Type.String({ maxLength: 256, pattern: '.*' });
const ParameterValue = Type.String({ maxLength: 256 });
const NumericRange = Type.Object({ Name: ParameterKey, MinValue: ParameterValue, MaxValue: ParameterValue, ScalingType: Type.Optional(ScalingType) }, closed);
export const ParameterRanges = Type.Object({
  IntegerParameterRanges: Type.Optional(Type.Array(NumericRange, { maxItems: 30 })),
  ContinuousParameterRanges: Type.Optional(Type.Array(NumericRange, { maxItems: 30 })),
  CategoricalParameterRanges: Type.Optional(Type.Array(Type.Object({ Name: ParameterKey, Values: Type.Array(ParameterValue, { description: '1 to 30 values (checked with the range named in the error).' }) }, closed), { maxItems: 30 })),
  AutoParameters: Type.Optional(Type.Array(Type.Object({ Name: ParameterKey, ValueHint: Type.String({ maxLength: 256 }) }, closed), { maxItems: 100 })),
}, closed);

export const TuningObjective = Type.Object({ Type: ObjectiveType, MetricName: Type.String({ minLength: 1, maxLength: 255 }) }, closed);

export const ResourceLimits = Type.Object({
  MaxNumberOfTrainingJobs: Type.Optional(Type.Integer({ minimum: 1 })),
  MaxParallelTrainingJobs: Type.Integer({ minimum: 1 }),
  MaxRuntimeInSeconds: Type.Optional(Type.Integer({ minimum: 120, maximum: 15768000 })),
}, closed);

export const TuningJobCompletionCriteria = Type.Object({
  TargetObjectiveMetricValue: Type.Optional(Type.Number()),
  BestObjectiveNotImproving: Type.Optional(Type.Object({ MaxNumberOfTrainingJobsNotImproving: Type.Optional(Type.Integer({ minimum: 3 })) }, closed)),
  ConvergenceDetected: Type.Optional(Type.Object({ CompleteOnConvergence: Type.Optional(literals(['Disabled', 'Enabled'])) }, closed)),
}, closed);

export const HyperParameterTuningJobConfig = Type.Object({
  Strategy: TuningStrategy,
  StrategyConfig: Type.Optional(Type.Object({
    HyperbandStrategyConfig: Type.Optional(Type.Object({ MinResource: Type.Optional(Type.Integer({ minimum: 1 })), MaxResource: Type.Optional(Type.Integer({ minimum: 1 })) }, closed)),
  }, closed)),
  HyperParameterTuningJobObjective: Type.Optional(TuningObjective),
  ResourceLimits,
  ParameterRanges: Type.Optional(ParameterRanges),
  TrainingJobEarlyStoppingType: Type.Optional(literals(['Off', 'Auto'])),
  TuningJobCompletionCriteria: Type.Optional(TuningJobCompletionCriteria),
  // An Integer in SageMaker (Int32 in its SDKs): 0 … 2^31 - 1. Unbounded, a seed past it was taken and read mod 2^32 by the
  // strategies (2^32 searched as seed 0), and past 2^53 answered by Describe as a value never sent.
  RandomSeed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'An Integer in SageMaker: 0 to 2147483647.' })),
}, closed);

export const HyperParameterTrainingJobDefinition = Type.Object({
  DefinitionName: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$' })),
  TuningObjective: Type.Optional(TuningObjective),
  HyperParameterRanges: Type.Optional(ParameterRanges),
  StaticHyperParameters: Type.Optional(StringMap({ maxLength: 256 }, ProcessText(2500), { maxEntries: 100 })),
  AlgorithmSpecification: Type.Object({
    TrainingImage: Type.Optional(Type.String({ maxLength: 255 })),
    TrainingInputMode: literals(['Pipe', 'File', 'FastFile']),
    AlgorithmName: Type.Optional(Type.String({ minLength: 1, maxLength: 170 })),
    MetricDefinitions: Type.Optional(MetricDefinitionList),
  }, closed),
  RoleArn,
  InputDataConfig: Type.Optional(Type.Array(Channel, { minItems: 1, maxItems: 20 })),
  VpcConfig: Type.Optional(VpcConfig),
  OutputDataConfig,
  ResourceConfig: Type.Optional(ResourceConfig),
  StoppingCondition,
  EnableNetworkIsolation: Type.Optional(Type.Boolean()),
  EnableInterContainerTrafficEncryption: Type.Optional(Type.Boolean()),
  EnableManagedSpotTraining: Type.Optional(Type.Boolean()),
  CheckpointConfig: Type.Optional(CheckpointConfig),
  RetryStrategy: Type.Optional(RetryStrategy),
  Environment: Type.Optional(StringMap({ maxLength: 512, pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }, ProcessText(512), { maxEntries: 48 })),
}, closed);

export const WarmStartConfig = Type.Object({
  ParentHyperParameterTuningJobs: Type.Array(Type.Object({ HyperParameterTuningJobName: Type.Optional(TuningJobName) }, closed), { minItems: 1, maxItems: 5 }),
  WarmStartType: literals(['IdenticalDataAndAlgorithm', 'TransferLearning']),
}, closed);

export const CreateHyperParameterTuningJobInput = Input({
  HyperParameterTuningJobName: TuningJobName,
  HyperParameterTuningJobConfig,
  TrainingJobDefinition: Type.Optional(HyperParameterTrainingJobDefinition),
  TrainingJobDefinitions: Type.Optional(Type.Array(HyperParameterTrainingJobDefinition, { minItems: 1, maxItems: 10 })),
  WarmStartConfig: Type.Optional(WarmStartConfig),
  Tags: Type.Optional(TagList),
  Autotune: Type.Optional(Type.Object({ Mode: literals(['Enabled']) }, closed)),
});
export const CreateHyperParameterTuningJobOutput = Output({ HyperParameterTuningJobArn: Type.String() });

export const TrainingJobStatusCounters = Output({
  Completed: Type.Integer(), InProgress: Type.Integer(), RetryableError: Type.Integer(), NonRetryableError: Type.Integer(), Stopped: Type.Integer(),
});
export const ObjectiveStatusCounters = Output({ Succeeded: Type.Integer(), Pending: Type.Integer(), Failed: Type.Integer() });

export const HyperParameterTrainingJobSummary = Output({
  TrainingJobDefinitionName: Type.Optional(Type.String()),
  TrainingJobName: Type.String(),
  TrainingJobArn: Type.String(),
  TuningJobName: Type.Optional(Type.String()),
  CreationTime: Timestamp,
  TrainingStartTime: Type.Optional(Timestamp),
  TrainingEndTime: Type.Optional(Timestamp),
  TrainingJobStatus,
  TunedHyperParameters: Type.Record(Type.String(), Type.String()),
  FailureReason: Type.Optional(FailureReason),
  FinalHyperParameterTuningJobObjectiveMetric: Type.Optional(Output({ Type: Type.Optional(ObjectiveType), MetricName: Type.String(), Value: Type.Number() })),
  ObjectiveStatus: Type.Optional(literals(['Succeeded', 'Pending', 'Failed'])),
});

export const DescribeHyperParameterTuningJobInput = Input({ HyperParameterTuningJobName: TuningJobName });
export const DescribeHyperParameterTuningJobOutput = Output({
  HyperParameterTuningJobName: Type.String(),
  HyperParameterTuningJobArn: Type.String(),
  HyperParameterTuningJobConfig,
  TrainingJobDefinition: Type.Optional(HyperParameterTrainingJobDefinition),
  TrainingJobDefinitions: Type.Optional(Type.Array(HyperParameterTrainingJobDefinition)),
  HyperParameterTuningJobStatus: TuningJobStatus,
  CreationTime: Timestamp,
  HyperParameterTuningEndTime: Type.Optional(Timestamp),
  LastModifiedTime: Type.Optional(Timestamp),
  TrainingJobStatusCounters,
  ObjectiveStatusCounters,
  BestTrainingJob: Type.Optional(HyperParameterTrainingJobSummary),
  OverallBestTrainingJob: Type.Optional(HyperParameterTrainingJobSummary),
  WarmStartConfig: Type.Optional(WarmStartConfig),
  FailureReason: Type.Optional(FailureReason),
  TuningJobCompletionDetails: Type.Optional(Output({ NumberOfTrainingJobsObjectiveNotImproving: Type.Optional(Type.Integer()), ConvergenceDetectedTime: Type.Optional(Timestamp) })),
  ConsumedResources: Type.Optional(Output({ RuntimeInSeconds: Type.Optional(Type.Integer()) })),
});

export const ListHyperParameterTuningJobsInput = Input({
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
  SortBy: Type.Optional(literals(['Name', 'Status', 'CreationTime'])),
  SortOrder: Type.Optional(SortOrder),
  NameContains: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9\\-]*$' })),
  CreationTimeAfter: Type.Optional(Timestamp),
  CreationTimeBefore: Type.Optional(Timestamp),
  LastModifiedTimeAfter: Type.Optional(Timestamp),
  LastModifiedTimeBefore: Type.Optional(Timestamp),
  StatusEquals: Type.Optional(TuningJobStatus),
});
export const HyperParameterTuningJobSummary = Output({
  HyperParameterTuningJobName: Type.String(),
  HyperParameterTuningJobArn: Type.String(),
  HyperParameterTuningJobStatus: TuningJobStatus,
  Strategy: TuningStrategy,
  CreationTime: Timestamp,
  HyperParameterTuningEndTime: Type.Optional(Timestamp),
  LastModifiedTime: Type.Optional(Timestamp),
  TrainingJobStatusCounters,
  ObjectiveStatusCounters,
  ResourceLimits: Type.Optional(ResourceLimits),
});
export const ListHyperParameterTuningJobsOutput = Output({ HyperParameterTuningJobSummaries: Type.Array(HyperParameterTuningJobSummary), NextToken: Type.Optional(Type.String()) });

export const StopHyperParameterTuningJobInput = Input({ HyperParameterTuningJobName: TuningJobName });

export const ListTrainingJobsForHyperParameterTuningJobInput = Input({
  HyperParameterTuningJobName: TuningJobName,
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
  StatusEquals: Type.Optional(TrainingJobStatus),
  SortBy: Type.Optional(literals(['Name', 'CreationTime', 'Status', 'FinalObjectiveMetricValue'])),
  SortOrder: Type.Optional(SortOrder),
});
export const ListTrainingJobsForHyperParameterTuningJobOutput = Output({ TrainingJobSummaries: Type.Array(HyperParameterTrainingJobSummary), NextToken: Type.Optional(Type.String()) });
