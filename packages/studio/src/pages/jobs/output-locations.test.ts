import { describe, expect, it } from 'vitest';
import { defaultBucketName } from '../../api/bucket-names.js';
import { transformDefaults } from '../transform/transform-defaults.js';
import { tuningDefaults } from '../tuning/tuning-defaults.js';
import { outputLocations } from './output-locations.js';
import { processingDefaults } from './processing-defaults.js';
import { trainingDefaults } from './training-defaults.js';

describe("Studio's default bucket", () => {
  it('is named as the SageMaker SDK names it: sagemaker-<region>-<account id>', () => {
    expect(defaultBucketName({ region: 'eu-west-1', accountId: '123456789012' })).toBe('sagemaker-eu-west-1-123456789012');
    // A server that does not name its account in the session: the one in the user's ARN.
    expect(defaultBucketName({ region: 'us-east-1', arn: 'arn:loam:iam::000000000000:user/admin' })).toBe('sagemaker-us-east-1-000000000000');
  });

  it("every create form's default output locations are under it (s3://models/ does not exist on a fresh install)", () => {
    const now = new Date('2026-11-28T10:00:00Z');
    const bucket = 'sagemaker-us-east-1-000000000000';
    const uris = (op: string, values: Parameters<typeof outputLocations>[1]) => outputLocations(op, values).map((o) => `${o.leaf}=${o.uri}`);
    expect(uris('CreateTrainingJob', trainingDefaults(now, bucket))).toEqual([`OutputDataConfig.S3OutputPath=s3://${bucket}/`]);
    expect(uris('CreateHyperParameterTuningJob', tuningDefaults(now, bucket))).toEqual([`TrainingJobDefinition.OutputDataConfig.S3OutputPath=s3://${bucket}/`]);
    expect(uris('CreateTransformJob', transformDefaults(now, bucket))).toEqual([`TransformOutput.S3OutputPath=s3://${bucket}/transform-20261128100000`]);
    expect(uris('CreateProcessingJob', processingDefaults(now, bucket))).toEqual([`ProcessingOutputConfig.Outputs.0.S3Output.S3Uri=s3://${bucket}/processing-20261128100000/output/output`]);
  });

  it('finds every output location a form names, and only those', () => {
    const values = {
      'OutputDataConfig.S3OutputPath': 's3://typed-bucket/out',
      'CheckpointConfig.S3Uri': ' s3://ckpt/x ',
      'InputDataConfig.0.DataSource.S3DataSource.S3Uri': 's3://data/train/',
      'TensorBoardOutputConfig.S3OutputPath': '',
    };
    expect(outputLocations('CreateTrainingJob', values).map((o) => o.bucket)).toEqual(['typed-bucket', 'ckpt']);
    expect(outputLocations('CreateProcessingJob', { 'ProcessingOutputConfig.Outputs.1.S3Output.S3Uri': 's3://p/o', 'ProcessingInputs.0.S3Input.S3Uri': 's3://in/' }).map((o) => o.leaf)).toEqual(['ProcessingOutputConfig.Outputs.1.S3Output.S3Uri']);
  });
});
