import { describe, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
import { withProposedRole } from '../../api/execution-role.js';
import type { JsonSchema } from '../../schema/fields.js';
import { artifactLabel } from '../registry/artifact-label.js';
import { groupFields, leaves } from './nested-fields.js';
import { modelFromJob } from './model-from-job.js';

describe('a model made from a training job', () => {
  const now = new Date('2026-11-28T14:00:00Z');

  it('serves the job’s model.tar.gz with its training image, and waits for the artifact', () => {
    const job = { TrainingJobName: 'bc-xgb', AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1' }, ModelArtifacts: { S3ModelArtifacts: 's3://models/bc-xgb/output/model.tar.gz' } };
    expect(modelFromJob(job, now)).toEqual({ ModelName: 'bc-xgb-20261128140000', 'PrimaryContainer.Image': 'sagemaker-xgboost:1.7-1', 'PrimaryContainer.ModelDataUrl': 's3://models/bc-xgb/output/model.tar.gz' });
    expect(modelFromJob({ ...job, ModelArtifacts: {} }, now)).toBeUndefined();
  });

  it('of script mode carries the entry point and source directory as the SageMaker SDK’s create_model does', () => {
    const job = {
      TrainingJobName: 'a'.repeat(63),
      AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3' },
      // The SDK writes hyperparameters as JSON strings; a hand-written job may not.
      HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: 's3://code/src.tar.gz', max_depth: '3' },
      ModelArtifacts: { S3ModelArtifacts: 's3://m/model.tar.gz' },
    };
    const values = modelFromJob(job, now)!;
    expect(String(values.ModelName).length).toBeLessThanOrEqual(63);
    expect(values['PrimaryContainer.Environment']).toEqual([
      { Key: 'SAGEMAKER_PROGRAM', Value: 'train.py' },
      { Key: 'SAGEMAKER_SUBMIT_DIRECTORY', Value: 's3://code/src.tar.gz' },
    ]);
  });

  it('carries the job’s VPC and network isolation, as the SDK’s estimator.create_model() does', () => {
    const job = {
      TrainingJobName: 'isolated',
      AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1' },
      ModelArtifacts: { S3ModelArtifacts: 's3://m/model.tar.gz' },
      VpcConfig: { Subnets: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0c'] },
      EnableNetworkIsolation: true,
    };
    expect(modelFromJob(job, now)).toMatchObject({ 'VpcConfig.Subnets': ['subnet-0a', 'subnet-0b'], 'VpcConfig.SecurityGroupIds': ['sg-0c'], EnableNetworkIsolation: true });
    // A job without them leaves them out.
    const plain = modelFromJob({ ...job, VpcConfig: undefined, EnableNetworkIsolation: false }, now)!;
    expect(Object.keys(plain).filter((k) => k.startsWith('VpcConfig') || k === 'EnableNetworkIsolation')).toEqual([]);
  });

  it('runs with the job’s execution role (RoleArn → ExecutionRoleArn), as the SDK’s create_model() uses the estimator’s role, and the form keeps it', () => {
    const role = 'arn:aws:iam::111122223333:role/TeamTraining';
    const job = { TrainingJobName: 'roled', RoleArn: role, AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1' }, ModelArtifacts: { S3ModelArtifacts: 's3://m/model.tar.gz' }, VpcConfig: { Subnets: ['subnet-0a'], SecurityGroupIds: ['sg-0c'] } };
    const values = modelFromJob(job, now)!;
    expect(values['ExecutionRoleArn']).toBe(role);
    // Every value fills a field of CreateModel's generated form (the contract's names, not hand-copied ones).
    const form = leaves(groupFields(getOperation('CreateModel')!.input as JsonSchema, {}));
    const names = new Set(form.map((f) => f.name));
    expect(Object.keys(values).filter((k) => !names.has(k))).toEqual([]);
    // The form's proposal (the user's last role) does not replace the job's.
    expect(withProposedRole('CreateModel', form, values, 'arn:loam:iam::123456789012:role/LoamExecution')['ExecutionRoleArn']).toBe(role);
    // A job without one leaves the proposal to the form.
    expect(modelFromJob({ ...job, RoleArn: undefined }, now)).not.toHaveProperty('ExecutionRoleArn');
  });

  it('is offered in the registry under the job that wrote it, validation metrics first', () => {
    const end = Date.parse('2026-11-28T13:44:00Z') / 1000;
    const metrics = [{ MetricName: 'train:auc', Value: 0.999 }, { MetricName: 'validation:auc', Value: 0.998377 }, { MetricName: 'validation:logloss', Value: 0.1 }];
    expect(artifactLabel({ TrainingJobName: 'bc-tune-003', TrainingEndTime: end, FinalMetricDataList: metrics }, now.getTime())).toBe('bc-tune-003 · validation:auc 0.99838 · validation:logloss 0.1 · trained 16 min ago');
    expect(artifactLabel({ TrainingJobName: 'bc-xgb' })).toBe('bc-xgb');
  });
});
