import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { listenOnLoopback, type TestLoam } from '../../compose/loam.test-support.js';

/** Puts a test Loam on a loopback port and returns the real SageMaker SDK client signed as its admin (no retries). */
export async function listeningSageMaker(loam: TestLoam): Promise<{ sm: SageMakerClient; url: string }> {
  const url = await listenOnLoopback(loam);
  const sm = new SageMakerClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey } });
  return { sm, url };
}
