import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { adminS3Client, sdkErrorOf } from './s3.test-support.js';

// S3 answers CreateBucket of a bucket the caller already owns with 200 OK in us-east-1 (legacy behaviour)
// and BucketAlreadyOwnedByYou (409) in every other region. Loam answered 409 in us-east-1 too, so a
// script that creates its bucket each run (docs/aws-clients.md's `s3 mb` then boto3's `create_bucket`)
// failed on Loam where it works on AWS, and Loam with an S3 backend in us-east-1 already answered 200.

const servers: { loam: TestLoam; url: string }[] = [];

async function serve(env: Record<string, string>): Promise<{ loam: TestLoam; url: string }> {
  const loam = await openTestLoam(env);
  const s = { loam, url: await listenOnLoopback(loam) };
  servers.push(s);
  return s;
}

let east: { loam: TestLoam; url: string };
let west: { loam: TestLoam; url: string };
async function start(): Promise<void> {
  east = await serve({});
  west = await serve({ LOAM_REGION: 'eu-west-1' });
}
async function stop(): Promise<void> {
  for (const s of servers) await s.loam.close();
}
serverPerAttempt(start, stop);

describe('CreateBucket of a bucket that already exists', () => {
  it('us-east-1: 200 OK, and the bucket and its objects are left as they were', async () => {
    const c = adminS3Client(east.loam, east.url);
    await c.send(new CreateBucketCommand({ Bucket: 'again' }));
    await c.send(new PutObjectCommand({ Bucket: 'again', Key: 'k', Body: 'kept' }));
    const second = await c.send(new CreateBucketCommand({ Bucket: 'again' }));
    expect(second.$metadata.httpStatusCode).toBe(200);
    expect(second.Location).toBe('/again');
    expect(await (await c.send(new GetObjectCommand({ Bucket: 'again', Key: 'k' }))).Body?.transformToString()).toBe('kept');
  });

  it('any other region: BucketAlreadyOwnedByYou (409)', async () => {
    const c = adminS3Client(west.loam, west.url, { region: 'eu-west-1' });
    await c.send(new CreateBucketCommand({ Bucket: 'again', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    const err = await sdkErrorOf(c.send(new CreateBucketCommand({ Bucket: 'again', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })));
    expect(err).toMatchObject({ name: 'BucketAlreadyOwnedByYou', status: 409 });
  });
});
