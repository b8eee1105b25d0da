import type { FormValues } from '../../schema/validate.js';
import { stampedName } from '../models/model-paths.js';

/**
 * A CSV scored line by line on one instance, predictions assembled one per line, written under Studio's
 * default bucket at `<job name>/` as the SageMaker SDK's Transformer does.
 */
export function transformDefaults(now: Date, bucket: string): FormValues {
  const name = stampedName('transform', now);
  return {
    TransformJobName: name,
    'TransformInput.DataSource.S3DataSource.S3DataType': 'S3Prefix',
    'TransformInput.ContentType': 'text/csv',
    'TransformInput.SplitType': 'Line',
    'TransformOutput.S3OutputPath': `s3://${bucket}/${name}`,
    'TransformOutput.Accept': 'text/csv',
    'TransformOutput.AssembleWith': 'Line',
    'TransformResources.InstanceType': 'ml.m5.large',
    'TransformResources.InstanceCount': '1',
    BatchStrategy: 'MultiRecord',
    MaxPayloadInMB: '6',
  };
}
