import type { FormValues } from '../../schema/validate.js';
import { stampedName } from '../models/model-paths.js';

/**
 * A script run on one small instance: the scikit-learn image, `python3` on a script shipped as the `code`
 * input, data in `input`, results uploaded from `/opt/ml/processing/output` at the end, into Studio's
 * default bucket.
 */
export function processingDefaults(now: Date, bucket: string): FormValues {
  const name = stampedName('processing', now);
  return {
    ProcessingJobName: name,
    'AppSpecification.ImageUri': 'sagemaker-scikit-learn:1.2-1-cpu-py3',
    'AppSpecification.ContainerEntrypoint': ['python3', '/opt/ml/processing/input/code/preprocess.py'],
    'ProcessingInputs.0.InputName': 'code',
    'ProcessingInputs.0.S3Input.LocalPath': '/opt/ml/processing/input/code',
    'ProcessingInputs.0.S3Input.S3DataType': 'S3Prefix',
    'ProcessingInputs.0.S3Input.S3InputMode': 'File',
    'ProcessingInputs.1.InputName': 'input',
    'ProcessingInputs.1.S3Input.LocalPath': '/opt/ml/processing/input/data',
    'ProcessingInputs.1.S3Input.S3DataType': 'S3Prefix',
    'ProcessingInputs.1.S3Input.S3InputMode': 'File',
    'ProcessingOutputConfig.Outputs.0.OutputName': 'output',
    // Where the SageMaker SDK's processors put an output: `<default bucket>/<job name>/output/<output name>`.
    'ProcessingOutputConfig.Outputs.0.S3Output.S3Uri': `s3://${bucket}/${name}/output/output`,
    'ProcessingOutputConfig.Outputs.0.S3Output.LocalPath': '/opt/ml/processing/output',
    'ProcessingOutputConfig.Outputs.0.S3Output.S3UploadMode': 'EndOfJob',
    'ProcessingResources.ClusterConfig.InstanceType': 'ml.m5.large',
    'ProcessingResources.ClusterConfig.InstanceCount': '1',
    'ProcessingResources.ClusterConfig.VolumeSizeInGB': '1',
    'StoppingCondition.MaxRuntimeInSeconds': '3600',
  };
}

/** Two inputs (the script, the data) and one output to start with. */
export const processingCounts = { ProcessingInputs: 2, 'ProcessingOutputConfig.Outputs': 1 } as const;
