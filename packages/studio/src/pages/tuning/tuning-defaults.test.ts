import { describe, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
import type { JsonSchema } from '../../schema/fields.js';
import { groupFields, leaves, toNestedInput, validateGroups } from '../jobs/nested-fields.js';
import { withProposedRole } from '../../api/execution-role.js';
import { tuningCounts, tuningDefaults } from './tuning-defaults.js';

describe('tuning job defaults', () => {
  const tree = groupFields(getOperation('CreateHyperParameterTuningJob')!.input as JsonSchema, tuningCounts);
  const now = new Date('2026-01-02T03:04:05Z');
  // What the form starts from: the defaults with the execution role it proposes from the session.
  const start = () => withProposedRole('CreateHyperParameterTuningJob', leaves(tree), tuningDefaults(now, 'sagemaker-us-east-1-000000000000'), 'arn:loam:iam::000000000000:role/LoamExecution') as ReturnType<typeof tuningDefaults>;

  it('fill only fields of the CreateHyperParameterTuningJob contract, and ask for nothing but the data locations', () => {
    const values = start();
    const names = new Set(leaves(tree).map((f) => f.name));
    expect(Object.keys(values).filter((k) => !names.has(k))).toEqual([]);
    expect(Object.keys(validateGroups(tree, values)).sort()).toEqual([
      'TrainingJobDefinition.InputDataConfig.0.DataSource.S3DataSource.S3Uri',
      'TrainingJobDefinition.InputDataConfig.1.DataSource.S3DataSource.S3Uri',
    ]);
  });

  it('make a built-in XGBoost search on validation AUC over train and validation channels', () => {
    const values = { ...start(), 'TrainingJobDefinition.InputDataConfig.0.DataSource.S3DataSource.S3Uri': 's3://d/train/', 'TrainingJobDefinition.InputDataConfig.1.DataSource.S3DataSource.S3Uri': 's3://d/validation/' };
    expect(validateGroups(tree, values)).toEqual({});
    const input = toNestedInput(tree, values) as Record<string, any>;
    expect(input.HyperParameterTuningJobName).toBe('xgboost-tune-20260102030405');
    expect(input.HyperParameterTuningJobConfig).toMatchObject({
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '6', ScalingType: 'Auto' }], ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.5', ScalingType: 'Logarithmic' }] },
    });
    expect(input.TrainingJobDefinition.StaticHyperParameters).toEqual({ num_round: '50', objective: 'binary:logistic', eval_metric: 'auc' });
    expect(input.TrainingJobDefinition.InputDataConfig.map((c: { ChannelName: string }) => c.ChannelName)).toEqual(['train', 'validation']);
    expect(input.TrainingJobDefinition.AlgorithmSpecification.TrainingImage).toMatch(/sagemaker-xgboost/);
    expect(input.TrainingJobDefinition).not.toHaveProperty('TrainingJobName');
    // Trials write under Studio's default bucket, which the form creates on submit (s3://models/ may not exist).
    expect(input.TrainingJobDefinition.OutputDataConfig).toEqual({ S3OutputPath: 's3://sagemaker-us-east-1-000000000000/' });
  });
});
