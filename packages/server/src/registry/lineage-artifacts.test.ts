import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { scopedUsers } from '../security/scoped-users.test-support.js';
import { seedLineageResources } from './lineage-resources.test-support.js';

// The artifact operations through the REST API as the operation table binds and authorizes them: tags on
// artifacts (a resolver like the registry's), the IAM action on the artifact's ARN, DeleteArtifact by Source.
let loam: TestLoam;
const { userWith, as } = scopedUsers(() => loam);
let artifactBase: string;

// A new Loam for each attempt: the tests make users and artifacts of fixed names, which a retry would meet.
serverPerAttempt(async () => {
  loam = await openTestLoam();
  const p = loam.platform.partition;
  artifactBase = `arn:loam:sagemaker:${p.region}:${p.accountId}:artifact/`;
}, async () => loam?.close(), 60_000);

const create = async (uri: string) => {
  const r = await as('admin', 'POST', '/api/v1/lineage/artifacts', { ArtifactType: 'DataSet', Source: { SourceUri: uri } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.ArtifactArn as string;
};

describe('artifacts through the API', () => {
  it('tags an artifact like any resource, and refuses tags on one that does not exist', async () => {
    const arn = await create('s3://tagged/data.csv');
    expect((await as('admin', 'POST', '/api/v1/tags', { ResourceArn: arn, Tags: [{ Key: 'team', Value: 'risk' }] })).status).toBe(200);
    expect((await as('admin', 'GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(arn)}`)).body.Tags).toEqual([{ Key: 'team', Value: 'risk' }]);
    const missing = await as('admin', 'POST', '/api/v1/tags', { ResourceArn: `${artifactBase}0123456789abcdef0123456789abcdef`, Tags: [{ Key: 'a', Value: 'b' }] });
    expect([missing.status, missing.body.code]).toEqual([404, 'ResourceNotFound']);
  });

  it('tags of an artifact whose location the caller may not read are hidden as the artifact is: read, added and removed by no one else', async () => {
    // Lineage holds hank's data; ivy may tag anything but read only her own bucket (the ARN is the location's hash: anyone can compute it).
    const hanks = await create('s3://hank/private/train.csv');
    expect((await as('admin', 'POST', '/api/v1/tags', { ResourceArn: hanks, Tags: [{ Key: 'owner', Value: 'hank' }] })).status).toBe(200);
    const ivys = await create('s3://ivy/train.csv');
    await userWith('ivy', [
      { Effect: 'Allow', Action: ['sagemaker:AddTags', 'sagemaker:ListTags', 'sagemaker:DeleteTags', 'sagemaker:DescribeArtifact'], Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:loam:s3:::ivy/*' },
    ]);
    expect((await as('ivy', 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(hanks)}`)).status).toBe(404);
    // The same answer as for an ARN no artifact has, so the tags do not tell that it exists either.
    const unknown = `${artifactBase}${'0'.repeat(32)}`;
    const answers = [];
    for (const [op, method, url, body] of [
      ['ListTags', 'GET', '/api/v1/tags?ResourceArn=', undefined],
      ['AddTags', 'POST', '/api/v1/tags', { Tags: [{ Key: 'owner', Value: 'ivy' }] }],
      ['DeleteTags', 'POST', '/api/v1/tags/delete', { TagKeys: ['owner'] }],
    ] as const) {
      const call = (arn: string) => as('ivy', method, body ? url : url + encodeURIComponent(arn), body ? { ResourceArn: arn, ...body } : undefined);
      const hidden = await call(hanks);
      const missing = await call(unknown);
      answers.push([op, hidden.status, hidden.body?.code, hidden.body?.detail?.replace(hanks, 'ARN') === missing.body?.detail?.replace(unknown, 'ARN')]);
    }
    expect(answers).toEqual([['ListTags', 404, 'ResourceNotFound', true], ['AddTags', 404, 'ResourceNotFound', true], ['DeleteTags', 404, 'ResourceNotFound', true]]);
    expect((await as('admin', 'GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(hanks)}`)).body.Tags).toEqual([{ Key: 'owner', Value: 'hank' }]);
    // Her own data's artifact she tags, lists and untags.
    expect((await as('ivy', 'POST', '/api/v1/tags', { ResourceArn: ivys, Tags: [{ Key: 'owner', Value: 'ivy' }] })).status).toBe(200);
    expect((await as('ivy', 'GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(ivys)}`)).body.Tags).toEqual([{ Key: 'owner', Value: 'ivy' }]);
    expect((await as('ivy', 'POST', '/api/v1/tags/delete', { ResourceArn: ivys, TagKeys: ['owner'] })).status).toBe(200);
  });

  it('checks the IAM action on the artifact ARN; by Source, DeleteArtifact needs it on every artifact', async () => {
    const mine = await create('s3://carol/mine.csv');
    const other = await create('s3://dave/other.csv');
    await userWith('carol', [
      { Effect: 'Allow', Action: ['sagemaker:DescribeArtifact', 'sagemaker:DeleteArtifact'], Resource: mine },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:loam:s3:::carol/*' },
    ]);
    expect((await as('carol', 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(mine)}`)).body.Source).toEqual({ SourceUri: 's3://carol/mine.csv' });
    expect((await as('carol', 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(other)}`)).status).toBe(403);
    expect((await as('carol', 'POST', '/api/v1/lineage/artifacts/delete', { ArtifactArn: other })).status).toBe(403);
    // Named by its Source the artifact is not known before the handler runs, so the check is on `*`.
    expect((await as('carol', 'POST', '/api/v1/lineage/artifacts/delete', { Source: { SourceUri: 's3://carol/mine.csv' } })).status).toBe(403);
    expect((await as('carol', 'POST', '/api/v1/lineage/artifacts/delete', { ArtifactArn: mine })).body).toEqual({ ArtifactArn: mine });
    expect((await as('admin', 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(other)}`)).status).toBe(200);
  });

  it('by Source, DeleteArtifact is still refused where a Deny names the artifact', async () => {
    const kept = await create('s3://erin/kept.csv');
    await userWith('erin', [
      { Effect: 'Allow', Action: ['sagemaker:DeleteArtifact', 's3:GetObject'], Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:DeleteArtifact', Resource: kept },
    ]);
    expect((await as('erin', 'POST', '/api/v1/lineage/artifacts/delete', { ArtifactArn: kept })).status).toBe(403);
    for (const SourceUri of ['s3://erin/kept.csv', 's3://erin/kept.csv/']) {
      const r = await as('erin', 'POST', '/api/v1/lineage/artifacts/delete', { Source: { SourceUri } });
      expect([r.status, r.body.code], SourceUri).toEqual([403, 'AccessDeniedException']);
    }
    expect((await as('admin', 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(kept)}`)).status).toBe(200);
  });

  it("no one takes over, renames or deletes the artifact of a location they may not read (other users' lineage holds it)", async () => {
    // Lineage recorded frank's job reading his data; gina may do anything with artifacts but read only her own bucket.
    const p = loam.platform.partition;
    const job = `arn:loam:sagemaker:${p.region}:${p.accountId}:training-job/frank-job`;
    await loam.platform.registry.lineage.input('s3://frank/private/train.csv', job);
    await seedLineageResources(loam.platform.store, [job]);
    const franks = await loam.platform.registry.lineage.artifact('s3://frank/private/train.csv', 'DataSet');
    await userWith('gina', [
      { Effect: 'Allow', Action: ['sagemaker:*Artifact', 'sagemaker:ListAssociations'], Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:loam:s3:::gina/*' },
    ]);
    const take = await as('gina', 'POST', '/api/v1/lineage/artifacts', { ArtifactType: 'Junk', ArtifactName: 'mine', Source: { SourceUri: 's3://frank/private/train.csv' } });
    expect([take.status, take.body.code]).toEqual([403, 'AccessDeniedException']);
    expect(take.body.detail).toContain('s3:GetObject on resource: arn:loam:s3:::frank/private/train.csv');
    // Nor claim a location frank has not used yet (his job would adopt gina's artifact).
    expect((await as('gina', 'POST', '/api/v1/lineage/artifacts', { ArtifactType: 'DataSet', Source: { SourceUri: 's3://frank/next.csv' } })).status).toBe(403);
    // By ARN (derived from the location, so anyone can compute it): hidden, as QueryLineage hides it.
    for (const [method, url, body] of [
      ['GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(franks)}`, undefined],
      ['POST', '/api/v1/lineage/artifacts/update', { ArtifactArn: franks, ArtifactName: 'renamed' }],
      ['POST', '/api/v1/lineage/artifacts/delete', { ArtifactArn: franks }],
      ['POST', '/api/v1/lineage/artifacts/delete', { Source: { SourceUri: 's3://frank/private/train.csv' } }],
    ] as const) {
      const r = await as('gina', method, url, body);
      expect([r.status, r.body.code], `${url} ${JSON.stringify(body)}`).toEqual(url.endsWith('/delete') && body && 'Source' in body ? [403, 'AccessDeniedException'] : [404, 'ResourceNotFound']);
    }
    const after = await as('admin', 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(franks)}`);
    expect(after.body).toMatchObject({ ArtifactType: 'DataSet', Source: { SourceUri: 's3://frank/private/train.csv' } });
    expect(after.body.ArtifactName).toBeUndefined();
    const edges = await as('admin', 'GET', `/api/v1/lineage/associations?SourceArn=${encodeURIComponent(franks)}`);
    expect(edges.body.AssociationSummaries.map((a: { DestinationArn: string }) => a.DestinationArn)).toEqual([job]);
    // Her own data she may.
    expect((await as('gina', 'POST', '/api/v1/lineage/artifacts', { ArtifactType: 'DataSet', Source: { SourceUri: 's3://gina/train.csv' } })).status).toBe(200);
  });

  it("DeleteArtifact takes an artifact's associations with it only where the caller may delete them (DeleteAssociation on the other end)", async () => {
    const p = loam.platform.partition;
    const job = (name: string) => `arn:loam:sagemaker:${p.region}:${p.accountId}:training-job/${name}`;
    const rec = loam.platform.registry.lineage;
    await rec.input('s3://shared2/train.csv', job('frank-job2'));
    await rec.input('s3://shared2/train.csv', job('henry-job'));
    await seedLineageResources(loam.platform.store, [job('frank-job2'), job('henry-job')]);
    const shared = await rec.artifact('s3://shared2/train.csv', 'DataSet');
    // henry reads the shared data and owns his resources; frank's job is not his to change.
    await userWith('henry', [
      { Effect: 'Allow', Action: ['sagemaker:DeleteArtifact', 'sagemaker:DescribeArtifact'], Resource: '*' },
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:*/henry-*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:loam:s3:::shared2/*' },
    ]);
    const edges = async () => (await as('admin', 'GET', `/api/v1/lineage/associations?SourceArn=${encodeURIComponent(shared)}`)).body.AssociationSummaries.map((a: { DestinationArn: string }) => a.DestinationArn).sort();
    for (const body of [{ ArtifactArn: shared }, { Source: { SourceUri: 's3://shared2/train.csv' } }]) {
      const r = await as('henry', 'POST', '/api/v1/lineage/artifacts/delete', body);
      expect([r.status, r.body.code], JSON.stringify(body)).toEqual([403, 'AccessDeniedException']);
      expect(r.body.detail).toContain('sagemaker:DeleteAssociation');
      expect(r.body.detail).not.toContain('frank');
    }
    expect(await edges()).toEqual([job('frank-job2'), job('henry-job')]);
    // Once frank's association is gone (its owner's call), henry's goes with the artifact.
    expect((await as('admin', 'POST', '/api/v1/lineage/associations/delete', { SourceArn: shared, DestinationArn: job('frank-job2') })).status).toBe(200);
    expect((await as('henry', 'POST', '/api/v1/lineage/artifacts/delete', { ArtifactArn: shared })).body).toEqual({ ArtifactArn: shared });
    expect(await edges()).toEqual([]);
  });

  it('answers 400 naming the field for a malformed ARN and 404 for an unknown one', async () => {
    const bad = await as('admin', 'GET', '/api/v1/lineage/artifact?ArtifactArn=artifact%2Fabc');
    expect([bad.status, bad.body.code, bad.body.detail]).toEqual([400, 'ValidationException', expect.stringContaining("'artifact/abc' at 'artifactArn'")]);
    const unknown = await as('admin', 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(`${artifactBase}ffff`)}`);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ResourceNotFound']);
  });
});
