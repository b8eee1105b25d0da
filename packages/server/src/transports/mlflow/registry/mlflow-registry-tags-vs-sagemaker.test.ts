import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { AddTagsCommand, DeleteTagsCommand, DescribeModelPackageGroupCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';
import { sdkErrorOf } from '../../s3/s3.test-support.js';
import { requireDebianBoto3, runBoto3 } from '../../boto3.test-support.js';
import { mlflowCaller } from '../mlflow.test-support.js';

// MLflow's registry has no limit on how many tags a registered model or version holds (SqlAlchemyStore's
// create_registered_model / create_model_version and set-tag check each tag's key and value only), but
// registered-models/create and model-versions/create held the tags to SageMaker's 50 a resource: a create
// with 51 was a 429 RESOURCE_EXHAUSTED, while set-tag let the same model reach any number. Both now take
// MLflow's rule. A group holding more than SageMaker's 50 stays readable and writable through SageMaker's
// operations: ListTags pages through all of them, DescribeModelPackageGroup answers, AddTags may overwrite
// keys the group has (it refused every AddTags, even one adding nothing), and only adding a new key past 50
// is refused, naming the limit. A key past SageMaker's 128 characters (MLflow allows 250) is refused by
// DeleteTags in SageMaker's words, naming the limit; MLflow's delete-tag removes it (this part was already so).

let loam: TestLoam;
let sm: SageMakerClient;
let call: ReturnType<typeof mlflowCaller>;
let url: string;
serverPerAttempt(async () => {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  sm = new SageMakerClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, maxAttempts: 1 });
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
}, async () => loam?.close());

const groupArn = (name: string) => `arn:loam:sagemaker:us-east-1:000000000000:model-package-group/${name}`;
const tags = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${String(i).padStart(2, '0')}`, value: `v${i}` }));
const tagsOf = (x: { tags?: { key: string; value: string }[] }) => Object.fromEntries((x.tags ?? []).map((t) => [t.key, t.value]));

async function allTags(arn: string): Promise<{ Key?: string; Value?: string }[]> {
  const out: { Key?: string; Value?: string }[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sm.send(new ListTagsCommand({ ResourceArn: arn, MaxResults: 50, ...(NextToken ? { NextToken } : {}) }));
    out.push(...(page.Tags ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

describe('MLflow registry: as many tags as MLflow takes, and SageMaker operations on such a group', () => {
  it('registered-models/create and model-versions/create take more than 50 tags, as MLflow does', async () => {
    const created = await call('POST', 'registered-models/create', { name: 'many-tags', tags: tags(60) });
    expect(created.status, JSON.stringify(created.json).slice(0, 300)).toBe(200);
    expect(Object.keys(tagsOf(created.json['registered_model']))).toHaveLength(60);
    const version = await call('POST', 'model-versions/create', { name: 'many-tags', source: 's3://b/m', tags: tags(70, 'mv') });
    expect(version.status, JSON.stringify(version.json).slice(0, 300)).toBe(200);
    expect(Object.keys(tagsOf((await call('GET', 'model-versions/get', { name: 'many-tags', version: '1' })).json['model_version']))).toHaveLength(70);
    // Each tag is still held to MLflow's rules.
    const bad = await call('POST', 'registered-models/create', { name: 'many-bad', tags: [...tags(60), { key: 'k'.repeat(251), value: 'v' }] });
    expect(bad.status).toBe(400);
    expect(bad.json['message']).toMatch(/length limit of 250/);
  });

  it('SageMaker reads such a group whole, overwrites its keys, and refuses only a new key past 50', async () => {
    expect((await call('POST', 'registered-models/create', { name: 'sm-view', tags: tags(55) })).status).toBe(200);
    const arn = groupArn('sm-view');
    expect((await allTags(arn)).map((t) => t.Key)).toEqual(tags(55).map((t) => t.key));
    expect((await sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'sm-view' }))).ModelPackageGroupName).toBe('sm-view');

    // Overwriting a key the group has adds nothing: allowed.
    await sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: 't00', Value: 'changed' }] }));
    expect(tagsOf((await call('GET', 'registered-models/get', { name: 'sm-view' })).json['registered_model'])['t00']).toBe('changed');
    // A new key would make 56: refused naming the limit and the count, nothing written.
    const refused = await sdkErrorOf(sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: 't01', Value: 'x' }, { Key: 'new', Value: 'x' }] })));
    expect(refused).toMatchObject({ name: 'ResourceLimitExceeded', status: 400 });
    expect(refused.message).toMatch(/56 tags.*at most 50/);
    expect((await allTags(arn)).find((t) => t.Key === 'new')).toBeUndefined();
    expect(tagsOf((await call('GET', 'registered-models/get', { name: 'sm-view' })).json['registered_model'])['t01']).toBe('v1');
    // Below 50 again, a new key can be added.
    await sm.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: tags(10).map((t) => t.key) }));
    await sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: 'new', Value: 'x' }] }));
    expect(await allTags(arn)).toHaveLength(46);
  });

  it('AddTags does not count the registry\'s own mlflow. keys (the model\'s aliases) toward the 50', async () => {
    expect((await call('POST', 'registered-models/create', { name: 'aliased', tags: tags(48) })).status).toBe(200);
    expect((await call('POST', 'model-versions/create', { name: 'aliased', source: 's3://b/m' })).status).toBe(200);
    for (const alias of ['a', 'b', 'c']) expect((await call('POST', 'registered-models/alias', { name: 'aliased', alias, version: '1' })).status).toBe(200);
    // 48 of the caller's tags and 3 aliases: two more tags make 50 of the caller's, as SageMaker counts them.
    await sm.send(new AddTagsCommand({ ResourceArn: groupArn('aliased'), Tags: [{ Key: 'n1', Value: 'x' }, { Key: 'n2', Value: 'x' }] }));
    expect(await allTags(groupArn('aliased'))).toHaveLength(53);
    const refused = await sdkErrorOf(sm.send(new AddTagsCommand({ ResourceArn: groupArn('aliased'), Tags: [{ Key: 'n3', Value: 'x' }] })));
    expect(refused).toMatchObject({ name: 'ResourceLimitExceeded' });
    expect(refused.message).toMatch(/51 tags.*at most 50/);
  });

  it('ListTags pages list each tag once when keys hold letters past U+FFFF', async () => {
    // The store orders keys by code point: 'ｋ' (U+FF4B) before '𝐚' (U+1D41A); a page ending on '𝐚' listed 'ｋ' again.
    const keys = [...tags(48).map((t) => t.key), 'ｋ', '𝐚', '𝐤'];
    expect((await call('POST', 'registered-models/create', { name: 'astral-keys', tags: keys.map((key) => ({ key, value: 'v' })) })).status).toBe(200);
    expect((await allTags(groupArn('astral-keys'))).map((t) => t.Key)).toEqual(keys);
  });
});

describe('MLflow registry: a tag key past SageMaker\'s 128 characters', () => {
  it('SageMaker DeleteTags refuses it naming the limit and MLflow\'s delete-tag, which removes it', async () => {
    const key = `k${'e'.repeat(199)}`;
    expect((await call('POST', 'registered-models/create', { name: 'long-key', tags: [{ key, value: 'v' }, { key: 'short', value: 'v' }] })).status).toBe(200);
    expect((await call('POST', 'model-versions/create', { name: 'long-key', source: 's3://b/m', tags: [{ key, value: 'v' }] })).status).toBe(200);
    const arn = groupArn('long-key');
    expect((await allTags(arn)).map((t) => t.Key)).toEqual([key, 'short']);

    const refused = await sdkErrorOf(sm.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ['short', key] })));
    // SageMaker's own words for its TagKeys rule, naming the member and the limit; nothing removed.
    expect(refused).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(refused.message).toMatch(/at 'tagKeys\.2\.member' failed to satisfy constraint: Member must have length less than or equal to 128/);
    expect(refused.message.length).toBeLessThan(400);
    expect(await allTags(arn)).toHaveLength(2);

    // MLflow's delete-tag takes MLflow's 250 characters: the documented way to remove such a key.
    const del = (path: string, body: Record<string, unknown>) => loam.app.inject({
      method: 'DELETE', url: `/api/2.0/mlflow/${path}`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(body),
    });
    expect((await del('registered-models/delete-tag', { name: 'long-key', key })).statusCode).toBe(200);
    expect((await del('model-versions/delete-tag', { name: 'long-key', version: '1', key })).statusCode).toBe(200);
    expect((await allTags(arn)).map((t) => t.Key)).toEqual(['short']);
    expect(tagsOf((await call('GET', 'model-versions/get', { name: 'long-key', version: '1' })).json['model_version'])).toEqual({});
  });
});

describe('boto3 on a registered model past SageMaker\'s tag rules', () => {
  it('pages through every tag with list_tags\' paginator, and delete_tags of a long key is a ValidationException naming 128', async () => {
    requireDebianBoto3();
    const key = `k${'e'.repeat(199)}`;
    expect((await call('POST', 'registered-models/create', { name: 'boto3-view', tags: [...tags(60), { key, value: 'v'.repeat(3000) }] })).status).toBe(200);
    const out = await runBoto3<{ keys: string[]; long: number; refused: [string, string, string] }>(
      { url, accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey },
      [
        "sm = client('sagemaker')",
        "keys = [t['Key'] for page in sm.get_paginator('list_tags').paginate(ResourceArn=ARGS['arn'], PaginationConfig={'PageSize': 50}) for t in page['Tags']]",
        "long = max(len(t['Value']) for t in sm.list_tags(ResourceArn=ARGS['arn'], MaxResults=100)['Tags'])",
        "refused = error(sm.delete_tags, ResourceArn=ARGS['arn'], TagKeys=[ARGS['key']])",
        "print(json.dumps({'keys': keys, 'long': long, 'refused': refused}))",
      ].join('\n'),
      { arn: groupArn('boto3-view'), key },
    );
    expect(out.keys).toEqual([...tags(60).map((t) => t.key), key].sort());
    expect(out.long).toBe(3000);
    expect(out.refused[0]).toBe('ValidationException');
    expect(out.refused[1]).toMatch(/Member must have length less than or equal to 128/);
  });
});

describe('MLflow registry: deleting a tag that is not set', () => {
  // As MLflow's SqlAlchemyStore: delete_registered_model_tag and delete_model_version_tag check that the model
  // or version exists and delete the tag if it is there, so an unset key is not an error (unlike a run's
  // delete_tag, which answers RESOURCE_DOES_NOT_EXIST: mlflow.routes.test.ts). SageMaker's DeleteTags ignores
  // unset keys too. Pinned here: this was already so.
  it('succeeds when the model or version exists, and is RESOURCE_DOES_NOT_EXIST when it does not', async () => {
    expect((await call('POST', 'registered-models/create', { name: 'unset-tags' })).status).toBe(200);
    expect((await call('POST', 'model-versions/create', { name: 'unset-tags', source: 's3://b/m' })).status).toBe(200);
    const del = async (path: string, body: Record<string, unknown>) => {
      const r = await loam.app.inject({ method: 'DELETE', url: `/api/2.0/mlflow/${path}`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      return { status: r.statusCode, json: JSON.parse(r.body || '{}') as Record<string, unknown> };
    };
    expect(await del('registered-models/delete-tag', { name: 'unset-tags', key: 'never-set' })).toEqual({ status: 200, json: {} });
    expect(await del('model-versions/delete-tag', { name: 'unset-tags', version: '1', key: 'never-set' })).toEqual({ status: 200, json: {} });
    expect(await del('registered-models/delete-tag', { name: 'no-such-model', key: 'k' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await del('model-versions/delete-tag', { name: 'unset-tags', version: '9', key: 'k' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });
});
