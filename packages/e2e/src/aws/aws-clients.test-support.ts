import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { AwsLoam } from './aws-loam.test-support.js';

/** The AWS SDK v3 clients a test drives a `loam up` with: its URL, the admin's keys, one attempt per call. */
export function awsClients(loam: AwsLoam): { sm: SageMakerClient; s3: S3Client; runtime: SageMakerRuntimeClient } {
  const common = { endpoint: loam.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: loam.accessKeyId, secretAccessKey: loam.secretAccessKey } };
  return { sm: new SageMakerClient(common), s3: new S3Client({ ...common, forcePathStyle: true }), runtime: new SageMakerRuntimeClient(common) };
}
