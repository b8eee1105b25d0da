import type { FormValues } from '../../schema/validate.js';
import { builtInXgboostImage } from './job-paths.js';

/**
 * What a user expects filled in: the built-in XGBoost on one small instance, a `train` CSV channel, the
 * model under Studio's default bucket (`s3://<bucket>/<job name>/output/model.tar.gz`, as the SageMaker
 * SDK's estimators write), which the form creates when it is submitted.
 */
export function trainingDefaults(now: Date, bucket: string): FormValues {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return {
    TrainingJobName: `xgboost-${stamp}`,
    'AlgorithmSpecification.TrainingImage': builtInXgboostImage,
    'AlgorithmSpecification.TrainingInputMode': 'File',
    HyperParameters: [
      { Key: 'num_round', Value: '50' },
      { Key: 'objective', Value: 'reg:squarederror' },
    ],
    'InputDataConfig.0.ChannelName': 'train',
    'InputDataConfig.0.ContentType': 'text/csv',
    'InputDataConfig.0.DataSource.S3DataSource.S3DataType': 'S3Prefix',
    'OutputDataConfig.S3OutputPath': `s3://${bucket}/`,
    'ResourceConfig.InstanceType': 'ml.m5.large',
    'ResourceConfig.InstanceCount': '1',
    'ResourceConfig.VolumeSizeInGB': '1',
    'StoppingCondition.MaxRuntimeInSeconds': '3600',
  };
}

