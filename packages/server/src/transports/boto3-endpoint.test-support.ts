import { expect } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, storeGbdtModel, xgboostImage } from '../endpoints/endpoints.test-support.js';
import { requireDebianBoto3, runBoto3 } from './boto3.test-support.js';

/** A real Loam on loopback holding model `m` (a built-in GBDT), ready for boto3's endpoint-side clients. */
export interface Boto3ModelLoam {
  readonly loam: TestLoam;
  readonly url: string;
  /** One CSV row the model accepts. */
  readonly row: string;
  /** Runs a boto3 program as the admin (see `runBoto3`). */
  boto3<T>(program: string, args?: Record<string, unknown>): Promise<T>;
}

export async function openBoto3LoamWithModel(): Promise<Boto3ModelLoam> {
  requireDebianBoto3();
  const loam = await openTestLoam();
  const url = await listenOnLoopback(loam);
  const { raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'm/model.tar.gz' });
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'm', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz' } })).status).toBe(200);
  return {
    loam, url, row: raw[0]!.join(','),
    boto3: <T>(program: string, args: Record<string, unknown> = {}) => runBoto3<T>({ url, accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, program, args),
  };
}
