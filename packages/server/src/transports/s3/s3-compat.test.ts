import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';

let loam: TestLoam;
let url: string;

const s3 = (extra: Partial<S3ClientConfig> = {}) =>
  new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey },
    ...extra,
  });

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, ...(err.$metadata?.httpStatusCode !== undefined ? { status: err.$metadata.httpStatusCode } : {}) };
  }
  return { name: 'resolved', message: '' };
}

beforeAll(async () => {
  loam = await openTestLoam();
  await loam.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(loam.app.server.address() as { port: number }).port}`;
});
afterAll(async () => loam?.close());

describe('S3 API compatibility details', () => {
  it('Signature Version 2 is refused with a message naming the boto3 and aws CLI fixes', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'sigv2' }));
    const presigned = await fetch(`${url}/sigv2/k?AWSAccessKeyId=${loam.adminAccessKeyId}&Expires=9999999999&Signature=abc%3D`);
    const body = await presigned.text();
    expect(presigned.status).toBe(400);
    expect(body).toContain('<Code>InvalidRequest</Code>');
    expect(body).toContain('Config(signature_version=&quot;s3v4&quot;)');
    expect(body).toContain('aws CLI v1');
    expect(body).toContain('signature_version = s3v4');
    const header = await fetch(`${url}/sigv2/k`, { method: 'PUT', body: 'x', headers: { authorization: `AWS ${loam.adminAccessKeyId}:abc=` } });
    expect(header.status).toBe(400);
    expect(await errorOf(s3().send(new HeadObjectCommand({ Bucket: 'sigv2', Key: 'k' })))).toMatchObject({ status: 404 });
  });
});
