import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call } from '../endpoints/endpoints.test-support.js';

// Image names are looked up in tables (process images from config, built-in algorithms, frameworks).
// A name inherited from Object.prototype (`constructor`, `toString`, `__proto__`) was found there: the
// request was taken as a process image without a command, and the job failed later or the model was
// stored unservable. They are unknown images, refused when the request is taken.

let loam: TestLoam;
beforeAll(async () => {
  loam = await openTestLoam();
}, 60_000);
afterAll(async () => loam?.close());

const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'acme/constructor:1'];

describe('an image named like an Object.prototype member is an unknown image', () => {
  it.each(names)('CreateTrainingJob %s: 400 naming the field, nothing stored', async (image) => {
    const name = `t-${image.replace(/[^a-zA-Z]/g, '')}`;
    const r = await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: name, AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File', ContainerEntrypoint: ['python3', 'train.py'] },
      HyperParameters: { sagemaker_program: 'train.py' }, RoleArn: 'arn:aws:iam::123456789012:role/r',
      OutputDataConfig: { S3OutputPath: 's3://out/x' }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 60 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.detail).toContain(`Image '${image}' at 'algorithmSpecification.trainingImage' is not an image Loam can run`);
    expect((await call(loam, 'GET', `/api/v1/training-jobs/${name}`)).status).toBe(404);
  });

  it.each(names)('CreateModel %s: 400 naming the field, nothing stored', async (image) => {
    const name = `m-${image.replace(/[^a-zA-Z]/g, '')}`;
    const r = await call(loam, 'POST', '/api/v1/models', { ModelName: name, PrimaryContainer: { Image: image, Environment: { SAGEMAKER_PROGRAM: 'inference.py' } } });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.detail).toContain(`'${image}'`);
    expect((await call(loam, 'GET', `/api/v1/models/${name}`)).status).toBe(404);
  });

  it.each(names)('CreateProcessingJob %s: 400 naming the field', async (image) => {
    const r = await call(loam, 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: `p-${image.replace(/[^a-zA-Z]/g, '')}`, AppSpecification: { ImageUri: image },
      RoleArn: 'arn:aws:iam::123456789012:role/r', ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 } },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.detail).toContain(`Image '${image}' at 'appSpecification.imageUri' is not an image Loam can run`);
  });
});
