import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

/**
 * HeadBucket and CreateBucket over REST: what Studio uses for its default bucket, authorized as the S3
 * API authorizes them (s3:ListBucket, s3:CreateBucket on the bucket's ARN).
 */
let loam: TestLoam;
let readerToken: string;

async function call(token: string, method: 'GET' | 'PUT', bucket: string, on: TestLoam = loam) {
  const r = await on.app.inject({ method, url: `/api/v1/buckets/${bucket}`, headers: { authorization: `Bearer ${token}`, ...(method === 'PUT' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'PUT' ? { payload: '{}' } : {}) });
  return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, any> };
}

async function start(): Promise<void> {
  loam = await openTestLoam();
  const id = loam.platform.identity;
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  await id.CreateUser({ UserName: 'reader' }, ctx);
  await id.CreatePolicy({ PolicyName: 'ListOnly', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }) }, ctx);
  await id.AttachUserPolicy({ UserName: 'reader', PolicyName: 'ListOnly' }, ctx);
  readerToken = (await id.CreateApiToken({ UserName: 'reader', TokenName: 't' }, ctx)).ApiToken.Token;
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('HeadBucket and CreateBucket over REST', () => {
  it('HeadBucket answers 404 for a missing bucket; CreateBucket creates it, and again answers 200 in us-east-1 as the S3 API does', async () => {
    const missing = await call(loam.adminToken, 'GET', 'sagemaker-us-east-1-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body['detail']).toBe("Bucket 'sagemaker-us-east-1-000000000000' does not exist.");
    const created = await call(loam.adminToken, 'PUT', 'sagemaker-us-east-1-000000000000');
    expect(created).toEqual({ status: 200, body: { Location: '/sagemaker-us-east-1-000000000000' } });
    expect(await call(loam.adminToken, 'GET', 'sagemaker-us-east-1-000000000000')).toEqual({ status: 200, body: { Bucket: 'sagemaker-us-east-1-000000000000', BucketRegion: 'us-east-1' } });
    await loam.platform.artifacts.put({ bucket: 'sagemaker-us-east-1-000000000000', key: 'k' }, Buffer.from('kept'));
    expect(await call(loam.adminToken, 'PUT', 'sagemaker-us-east-1-000000000000')).toEqual(created);
    const { body } = await loam.platform.artifacts.get({ bucket: 'sagemaker-us-east-1-000000000000', key: 'k' });
    expect(Buffer.concat(await body.toArray()).toString()).toBe('kept');
  });

  it('in any other region CreateBucket of an existing bucket is ResourceInUse (409), as the S3 API answers BucketAlreadyOwnedByYou', async () => {
    const west = await openTestLoam({ LOAM_REGION: 'eu-west-1' });
    try {
      expect((await call(west.adminToken, 'PUT', 'west-bucket', west)).status).toBe(200);
      const again = await call(west.adminToken, 'PUT', 'west-bucket', west);
      expect(again.status).toBe(409);
      expect(again.body['detail']).toBe("Bucket 'west-bucket' already exists.");
    } finally {
      await west.close();
    }
  });

  it('refuses a bad bucket name with a 400 naming Bucket', async () => {
    const r = await call(loam.adminToken, 'PUT', 'Bad_Bucket');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('Bucket');
  });

  it('a user without s3:CreateBucket gets 403 naming the action and nothing is created; s3:ListBucket is enough to ask', async () => {
    expect((await call(readerToken, 'GET', 'reader-bucket')).status).toBe(404);
    const r = await call(readerToken, 'PUT', 'reader-bucket');
    expect(r.status).toBe(403);
    expect(r.body['detail']).toContain('s3:CreateBucket');
    expect((await loam.platform.artifacts.listBuckets()).map((b) => b.name)).not.toContain('reader-bucket');
  });

  it("Studio's session names the region and account its default bucket is named after", async () => {
    const link = await loam.platform.identity.createLoginLink('admin', 60);
    const host = { host: '127.0.0.1:7717' };
    const login = await loam.app.inject({ method: 'POST', url: '/auth/login', headers: { ...host, origin: 'http://127.0.0.1:7717', 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${encodeURIComponent(link)}` });
    const cookies = Object.fromEntries(login.cookies.map((c) => [c.name, c.value]));
    const me = await loam.app.inject({ method: 'GET', url: '/auth/session', headers: host, cookies });
    expect(me.json()).toMatchObject({ signedIn: true, userName: 'admin', region: 'us-east-1', accountId: '000000000000' });
  });
});
