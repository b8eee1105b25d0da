import { describe, expect, it } from 'vitest';
import { ValidationError } from '../kernel/errors.js';
import { buildProcessingJobSpec, type CreateProcessingJobInput } from './processing-job-spec.js';
import type { JobSpecContext } from './training-job-spec.js';

const ctx: JobSpecContext = {
  region: 'us-east-1', arn: 'arn:loam:sagemaker:us-east-1:000000000000:processing-job/p', processImages: {},
  capacity: { slots: 2, cores: 2, memoryMiB: 4096, networkIsolation: { supported: true } },
};

function request(mode: 'File' | 'Pipe'): CreateProcessingJobInput {
  return {
    ProcessingJobName: 'p', RoleArn: 'arn:aws:iam::000000000000:role/r',
    AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', 'x.py'] },
    ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: 's3://data/raw/', LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: mode } }],
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
  } as CreateProcessingJobInput;
}

describe('CreateProcessingJob S3InputMode', () => {
  it('File: the input is staged as files at its LocalPath', () => {
    const spec = buildProcessingJobSpec(request('File'), ctx);
    expect(spec.channels).toMatchObject([{ name: 'data', inputMode: 'File', localPath: '/opt/ml/processing/input/data' }]);
  });

  it('Pipe is refused naming the member, why (no documented FIFO layout) and where Pipe mode is available', () => {
    let err: unknown;
    try {
      buildProcessingJobSpec(request('Pipe'), ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const message = (err as Error).message;
    expect(message).toContain("Value 'Pipe' at 'ProcessingInputs.0.S3Input.S3InputMode' failed to satisfy constraint: Member must be File on Loam:");
    expect(message).toContain('does not document where a processing input\'s named pipe appears relative to LocalPath');
    expect(message).toContain('InputDataConfig channels of training jobs');
    expect((err as ValidationError).fields).toEqual([{ path: '/ProcessingInputs/0/S3Input/S3InputMode', message: expect.stringContaining('Member must be File on Loam:') }]);
  });
});
