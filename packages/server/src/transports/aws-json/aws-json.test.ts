import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { AddTagsCommand, DeleteTagsCommand, ListTagsCommand, SageMakerClient, paginateListTags } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { call, deploy, storeGbdtModel, xgboostImage } from '../../endpoints/endpoints.test-support.js';
import { sdkErrorOf } from '../s3/s3.test-support.js';

let loam: TestLoam;
let url: string;
let userArn: string;

const client = (creds?: { accessKeyId: string; secretAccessKey: string }, extra: object = {}) =>
  new SageMakerClient({ endpoint: url, region: 'us-east-1', credentials: creds ?? { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, maxAttempts: 1, ...extra });

async function raw(target: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers }, body });
  return { status: res.status, body: (await res.json()) as { __type?: string; message?: string } };
}

const errorOf = sdkErrorOf;

async function start(): Promise<void> {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  userArn = `arn:loam:iam::000000000000:user/admin`;
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('AWS JSON 1.1 (SageMaker) with @aws-sdk/client-sagemaker', () => {
  it('AddTags, ListTags (with the SDK paginator), DeleteTags round-trip through the operation table', async () => {
    const sm = client();
    // SageMaker's limits: 50 tags a resource, ListTags pages of 50 to 100.
    const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `k${String(i).padStart(2, '0')}`, Value: `v${i}` }));
    const added = await sm.send(new AddTagsCommand({ ResourceArn: userArn, Tags: tags }));
    expect(added.Tags).toHaveLength(50);
    const first = await sm.send(new ListTagsCommand({ ResourceArn: userArn, MaxResults: 50 }));
    expect(first.Tags?.map((t) => t.Key).sort()).toEqual(tags.map((t) => t.Key));
    expect(first.NextToken).toBeUndefined();
    const pages: string[][] = [];
    for await (const page of paginateListTags({ client: sm, pageSize: 50 }, { ResourceArn: userArn })) pages.push((page.Tags ?? []).map((t) => t.Key as string));
    expect(pages.map((p) => p.length)).toEqual([50]);
    await sm.send(new DeleteTagsCommand({ ResourceArn: userArn, TagKeys: tags.slice(0, 49).map((t) => t.Key) }));
    expect((await sm.send(new ListTagsCommand({ ResourceArn: userArn }))).Tags).toEqual([{ Key: 'k49', Value: 'v49' }]);
  });

  it('answers SageMaker error shapes the SDK rebuilds: ResourceNotFound 400, ValidationException 400', async () => {
    const sm = client();
    const missing = await errorOf(sm.send(new ListTagsCommand({ ResourceArn: 'arn:loam:iam::000000000000:user/nobody' })));
    expect(missing).toMatchObject({ name: 'ResourceNotFound', status: 400 });
    expect(missing.message).toMatch(/nobody/);
    const invalid = await errorOf(sm.send(new ListTagsCommand({ ResourceArn: userArn, MaxResults: 5 })));
    expect(invalid).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(invalid.message).toMatch(/at 'maxResults'/);
  });

  it('refuses a wrong secret, an unknown key, an inactive key and a skewed clock, changing nothing', async () => {
    const before = (await client().send(new ListTagsCommand({ ResourceArn: userArn }))).Tags;
    const tag = { ResourceArn: userArn, Tags: [{ Key: 'intruder', Value: 'x' }] };
    expect(await errorOf(client({ accessKeyId: loam.adminAccessKeyId, secretAccessKey: 'wrong' }).send(new AddTagsCommand(tag)))).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(await errorOf(client({ accessKeyId: 'LKIAUNKNOWNKEY000000', secretAccessKey: 'x' }).send(new AddTagsCommand(tag)))).toMatchObject({ name: 'UnrecognizedClientException', status: 401 });
    // 20 minutes off, and the SDK told not to correct itself from our Date header (one attempt).
    const skewed = await errorOf(client(undefined, { systemClockOffset: 20 * 60_000 }).send(new AddTagsCommand(tag)));
    expect(skewed).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(skewed.message).toMatch(/Signature not yet current/);
    const key = await loam.platform.identity.CreateAccessKey({}, { principal: { userName: 'admin', userId: 'x', arn: userArn, via: 'system' }, requestId: 't' });
    await loam.platform.identity.UpdateAccessKey({ AccessKeyId: key.AccessKey.AccessKeyId, Status: 'Inactive' }, { principal: { userName: 'admin', userId: 'x', arn: userArn, via: 'system' }, requestId: 't' });
    expect(await errorOf(client({ accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey }).send(new AddTagsCommand(tag)))).toMatchObject({ name: 'UnrecognizedClientException' });
    expect((await client().send(new ListTagsCommand({ ResourceArn: userArn }))).Tags).toEqual(before);
  });

  it('sends a Date header the SDK corrects its clock from, so its next call succeeds', async () => {
    const sm = client(undefined, { systemClockOffset: 20 * 60_000 });
    expect(await errorOf(sm.send(new ListTagsCommand({ ResourceArn: userArn })))).toMatchObject({ name: 'InvalidSignatureException' });
    expect((await sm.send(new ListTagsCommand({ ResourceArn: userArn }))).Tags).toBeDefined();
  });

  it('answers an unknown X-Amz-Target with UnknownOperationException, an unsigned call with MissingAuthenticationToken', async () => {
    const sm = client();
    // Rewrite the target before signing: a correctly signed call of an operation Loam does not have.
    sm.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amz-target'] = 'SageMaker.CreateUnicorn';
        return next(args);
      },
      { step: 'build' },
    );
    const unknown = await errorOf(sm.send(new ListTagsCommand({ ResourceArn: userArn })));
    expect(unknown).toMatchObject({ name: 'UnknownOperationException', status: 400 });
    expect(await raw('SageMaker.ListTags', '{}')).toMatchObject({ status: 401, body: { __type: 'MissingAuthenticationTokenException' } });
  });

  it('refuses an operation the caller has no policy for with AccessDeniedException', async () => {
    const ctx = { principal: { userName: 'admin', userId: 'x', arn: userArn, via: 'system' as const }, requestId: 't' };
    await loam.platform.identity.CreateUser({ UserName: 'reader' }, ctx);
    const key = await loam.platform.identity.CreateAccessKey({ UserName: 'reader' }, ctx);
    const reader = client({ accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey });
    const denied = await errorOf(reader.send(new AddTagsCommand({ ResourceArn: userArn, Tags: [{ Key: 'x', Value: 'y' }] })));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(denied.message).toMatch(/sagemaker:AddTags/);
  });
});

describe('SageMaker Runtime reachability', () => {
  it('InvokeEndpoint is signed, authorized and answers ValidationError for an unknown endpoint', async () => {
    const rt = new SageMakerRuntimeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, maxAttempts: 1 });
    const e = await errorOf(rt.send(new InvokeEndpointCommand({ EndpointName: 'missing', ContentType: 'text/csv', Body: new TextEncoder().encode('1,2,3') })));
    expect(e).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(e.message).toBe('Endpoint missing of account 000000000000 not found.');
    const bad = new SageMakerRuntimeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: 'nope' }, maxAttempts: 1 });
    expect(await errorOf(bad.send(new InvokeEndpointCommand({ EndpointName: 'missing', Body: new Uint8Array([1]) })))).toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('accepts a bearer token too, with the x-amzn-ErrorType header', async () => {
    const res = await fetch(`${url}/endpoints/missing/invocations`, { method: 'POST', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv' }, body: '1,2' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationError');
    expect(await res.json()).toEqual({ message: 'Endpoint missing of account 000000000000 not found.' });
  });

  it('invokes a real endpoint through the SageMaker Runtime client (SigV4), with its headers and model errors', async () => {
    const { model, raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'rt/model.tar.gz' });
    const create = await call(loam, 'POST', '/api/v1/models', { ModelName: 'rt-gbdt', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/rt/model.tar.gz' }, ExecutionRoleArn: 'arn:aws:iam::000000000000:role/r' });
    expect(create.status, JSON.stringify(create.body)).toBe(200);
    expect((await deploy(loam, 'rt-ep', [{ name: 'AllTraffic', modelName: 'rt-gbdt' }])).EndpointStatus).toBe('InService');
    const rt = new SageMakerRuntimeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, maxAttempts: 1 });
    const row = raw[0]!;
    const out = await rt.send(new InvokeEndpointCommand({ EndpointName: 'rt-ep', ContentType: 'text/csv', Body: new TextEncoder().encode(row.join(',')) }));
    const expected = model.predictRow(row);
    expect(Number(new TextDecoder().decode(out.Body).trim())).toBeCloseTo(expected[0]!, 6);
    expect(out.InvokedProductionVariant).toBe('AllTraffic');
    const bad = await errorOf(rt.send(new InvokeEndpointCommand({ EndpointName: 'rt-ep', ContentType: 'text/csv', Body: new TextEncoder().encode('1,2') })));
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.message).toMatch(/column|feature/i);
  });
});
