import { describe, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
import type { JsonSchema } from '../../schema/fields.js';
import type { FormValues } from '../../schema/validate.js';
import { cloneForm, copyName } from './clone-values.js';
import { groupFields, leaves, toNestedInput, validateGroups } from './nested-fields.js';

const schemaOf = (op: string) => getOperation(op)!.input as JsonSchema;

/** What the form sends once opened with a clone's values and counts, untouched but for the name. */
function submitted(op: string, described: Record<string, unknown>, nameKey: string, name: string) {
  const input = schemaOf(op);
  const { values, counts } = cloneForm(input, described, nameKey);
  const tree = groupFields(input, counts);
  const blank: FormValues = Object.fromEntries(leaves(tree).map((f) => [f.name, f.kind === 'boolean' ? false : f.kind === 'tags' || f.kind === 'list' ? [] : '']));
  const all = { ...blank, ...values, [nameKey]: name };
  return { values, counts, problems: validateGroups(tree, all), input: withoutFalse(toNestedInput(tree, all)) };
}

/** The form sends a switch left off as `false`, SageMaker's default for every one of them: the same request. */
function withoutFalse(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutFalse);
  if (typeof x !== 'object' || x === null) return x;
  return Object.fromEntries(Object.entries(x).filter(([, v]) => v !== false).map(([k, v]) => [k, withoutFalse(v)]));
}

const trainingRequest = {
  TrainingJobName: 'diabetes-xgb',
  RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
  AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'rmse', Regex: 'rmse=([0-9.]+)' }] },
  HyperParameters: { num_round: '50', max_depth: '3', objective: 'reg:squarederror' },
  InputDataConfig: [
    { ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } },
    { ChannelName: 'validation', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/validation/' } } },
  ],
  OutputDataConfig: { S3OutputPath: 's3://models/' },
  ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 2, VolumeSizeInGB: 5 },
  StoppingCondition: { MaxRuntimeInSeconds: 600 },
  Environment: { MODE: 'fast' },
  EnableManagedSpotTraining: true,
};

describe('Clone: a create form filled in from a described resource', () => {
  it('copies a training job into CreateTrainingJob: nested objects, both channels, string maps; the output-only members drop out', () => {
    const described = {
      ...trainingRequest,
      TrainingJobArn: 'arn:loam:sagemaker:us-east-1:000000000000:training-job/diabetes-xgb',
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      CreationTime: 1795861354,
      TrainingEndTime: 1795861390,
      ModelArtifacts: { S3ModelArtifacts: 's3://models/diabetes-xgb/output/model.tar.gz' },
      FinalMetricDataList: [{ MetricName: 'train:rmse', Value: 51.2, Timestamp: 1795861390 }],
      SecondaryStatusTransitions: [{ Status: 'Starting', StartTime: 1795861354, StatusMessage: 'Preparing' }],
    };
    const r = submitted('CreateTrainingJob', described, 'TrainingJobName', 'diabetes-xgb-2');
    expect(r.values.TrainingJobName).toBe('diabetes-xgb-copy');
    expect(r.counts).toEqual({ 'AlgorithmSpecification.MetricDefinitions': 1, InputDataConfig: 2 });
    expect(r.values['InputDataConfig.1.DataSource.S3DataSource.S3Uri']).toBe('s3://data/validation/');
    expect(r.values['ResourceConfig.InstanceCount']).toBe('2');
    expect(r.values.HyperParameters).toEqual([
      { Key: 'num_round', Value: '50' },
      { Key: 'max_depth', Value: '3' },
      { Key: 'objective', Value: 'reg:squarederror' },
    ]);
    expect(Object.keys(r.values).filter((k) => /Status|Arn$|Time|Artifacts|FinalMetric/.test(k) && k !== 'RoleArn')).toEqual([]);
    expect(r.problems).toEqual({});
    // Submitted as is (with a new name), the form sends the request the job was created with.
    expect(r.input).toEqual({ ...trainingRequest, TrainingJobName: 'diabetes-xgb-2' });
  });

  it('copies a tuning job into CreateHyperParameterTuningJob, ranges and trial definition included', () => {
    const { TrainingJobName: _, HyperParameters: __, ...definition } = trainingRequest;
    const request = {
      HyperParameterTuningJobName: 'bc-tune',
      HyperParameterTuningJobConfig: {
        Strategy: 'Bayesian',
        HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
        ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
        ParameterRanges: {
          IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '6', ScalingType: 'Auto' }],
          ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.5', ScalingType: 'Logarithmic' }],
        },
      },
      TrainingJobDefinition: { ...definition, StaticHyperParameters: { num_round: '20', objective: 'binary:logistic' } },
    };
    const described = { ...request, HyperParameterTuningJobArn: 'arn:x', HyperParameterTuningJobStatus: 'Completed', TrainingJobStatusCounters: { Completed: 4 }, BestTrainingJob: { TrainingJobName: 'bc-tune-003' } };
    const r = submitted('CreateHyperParameterTuningJob', described, 'HyperParameterTuningJobName', 'bc-tune-2');
    expect(r.values.HyperParameterTuningJobName).toBe('bc-tune-copy');
    expect(r.problems).toEqual({});
    expect(r.input).toEqual({ ...request, HyperParameterTuningJobName: 'bc-tune-2' });
  });

  it('copies a transform job into CreateTransformJob', () => {
    const request = {
      TransformJobName: 'bc-score',
      ModelName: 'bc-model',
      MaxPayloadInMB: 6,
      BatchStrategy: 'MultiRecord',
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/score/' } }, ContentType: 'text/csv', SplitType: 'Line' },
      TransformOutput: { S3OutputPath: 's3://data/predictions/', AssembleWith: 'Line', Accept: 'text/csv' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      DataProcessing: { JoinSource: 'Input' },
    };
    const r = submitted('CreateTransformJob', { ...request, TransformJobArn: 'arn:x', TransformJobStatus: 'Failed', FailureReason: 'boom', CreationTime: 1 }, 'TransformJobName', 'bc-score-2');
    expect(r.problems).toEqual({});
    expect(r.input).toEqual({ ...request, TransformJobName: 'bc-score-2' });
  });

  it('suggests <name>-copy within the name limit', () => {
    expect(copyName('job')).toBe('job-copy');
    const long = 'a'.repeat(60);
    expect(copyName(long)).toBe(`${'a'.repeat(58)}-copy`);
    expect(copyName(`${'a'.repeat(57)}-xyz`)).toBe(`${'a'.repeat(57)}-copy`);
  });
});
