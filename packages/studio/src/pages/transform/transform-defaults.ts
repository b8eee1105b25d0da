import type { FormValues } from '../../schema/validate.js';
import { stampedName } from '../models/model-paths.js';

/** A CSV scored line by line on one instance, predictions assembled one per line. */
export function transformDefaults(now = new Date()): FormValues {
  return {
    TransformJobName: stampedName('transform', now),
    'TransformInput.DataSource.S3DataSource.S3DataType': 'S3Prefix',
    'TransformInput.ContentType': 'text/csv',
    'TransformInput.SplitType': 'Line',
    'TransformOutput.S3OutputPath': 's3://models/transform/',
    'TransformOutput.Accept': 'text/csv',
    'TransformOutput.AssembleWith': 'Line',
    'TransformResources.InstanceType': 'ml.m5.large',
    'TransformResources.InstanceCount': '1',
    BatchStrategy: 'MultiRecord',
    MaxPayloadInMB: '6',
  };
}
