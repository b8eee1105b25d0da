import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { endpointCollections, type ScalingRecord } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { scopedUsers } from './scoped-users.test-support.js';

// Operations that act on more than one resource, or name theirs inside another field, are authorized on
// every resource they touch: AddAssociation on both ends (SageMaker's service authorization reference
// lists its resource types for source and destination alike), Application Auto Scaling on the endpoint
// its ResourceId names.

let loam: TestLoam;
let region: string;
let account: string;
const sm = (kind: string, name: string) => `arn:loam:sagemaker:${region}:${account}:${kind}/${name}`;

const { userWith, as } = scopedUsers(() => loam);

async function start(): Promise<void> {
  loam = await openTestLoam();
  ({ region, accountId: account } = loam.platform.partition);
  // mallory may do anything but touch what is protected.
  await userWith('mallory', [
    { Effect: 'Allow', Action: ['sagemaker:*', 'application-autoscaling:*'], Resource: '*' },
    { Effect: 'Deny', Action: ['sagemaker:*', 'application-autoscaling:*'], Resource: ['arn:loam:sagemaker:*:*:*/protected*'] },
  ]);
  // scaler may scale endpoint `mine` and nothing else.
  await userWith('scaler', [{ Effect: 'Allow', Action: 'application-autoscaling:*', Resource: 'arn:loam:sagemaker:*:*:endpoint/mine' }]);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('AddAssociation is authorized on its source and its destination', () => {
  it('refuses a destination the caller may not touch, naming it, and records nothing', async () => {
    const source = sm('model-package', 'mine/1');
    const destination = sm('endpoint', 'protected-prod');
    const r = await as('mallory', 'POST', '/api/v1/lineage/associations', { SourceArn: source, DestinationArn: destination, AssociationType: 'ContributedTo' });
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.code).toBe('AccessDeniedException');
    expect(r.body.detail).toContain(`sagemaker:AddAssociation on resource: ${destination}`);
    // Nothing recorded: QueryLineage has nothing of the endpoint (no such resource, no edge), which it answers
    // as ResourceNotFound, SageMaker's one documented error for it.
    const q = await as('admin', 'POST', '/api/v1/lineage/query', { StartArns: [destination], Direction: 'Ascendants' });
    expect([q.status, q.body.code], JSON.stringify(q.body)).toEqual([404, 'ResourceNotFound']);
  });

  it('sees the destination however it is spelled (another partition, letter case)', async () => {
    const r = await as('mallory', 'POST', '/api/v1/lineage/associations', { SourceArn: sm('model-package', 'mine/1'), DestinationArn: `arn:aws:sagemaker:${region}:${account}:endpoint/PROTECTED-prod` });
    expect(r.status, JSON.stringify(r.body)).toBe(403);
  });

  it('still refuses a protected source, and allows two ends the caller may touch', async () => {
    expect((await as('mallory', 'POST', '/api/v1/lineage/associations', { SourceArn: sm('endpoint', 'protected-prod'), DestinationArn: sm('model-package', 'mine/1') })).status).toBe(403);
    const ok = await as('mallory', 'POST', '/api/v1/lineage/associations', { SourceArn: 's3://data/mine.csv', DestinationArn: sm('model-package-group', 'mine') });
    // Past authorization: the group does not exist, which only the handler can say.
    expect(ok.body.code, JSON.stringify(ok.body)).toBe('ResourceNotFound');
    expect((await as('admin', 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'mine' })).status).toBe(200);
    const linked = await as('mallory', 'POST', '/api/v1/lineage/associations', { SourceArn: 's3://data/mine.csv', DestinationArn: sm('model-package-group', 'mine') });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
  });
});

describe('DeleteAssociation is authorized on its source and its destination', () => {
  it('refuses removing a link to a resource the caller may not touch, and keeps it', async () => {
    expect((await as('admin', 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'protected-g' })).status).toBe(200);
    const ends = { SourceArn: 's3://data/shared.csv', DestinationArn: sm('model-package-group', 'protected-g') };
    expect((await as('admin', 'POST', '/api/v1/lineage/associations', ends)).status).toBe(200);
    const r = await as('mallory', 'POST', '/api/v1/lineage/associations/delete', ends);
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.detail).toContain(`sagemaker:DeleteAssociation on resource: ${sm('model-package-group', 'protected-g')}`);
    const up = await as('admin', 'POST', '/api/v1/lineage/query', { StartArns: [ends.DestinationArn], Direction: 'Ascendants' });
    expect(up.body.Vertices).toHaveLength(1);
    expect((await as('admin', 'POST', '/api/v1/lineage/associations/delete', ends)).status).toBe(200);
    expect((await as('admin', 'POST', '/api/v1/lineage/query', { StartArns: [ends.DestinationArn], Direction: 'Ascendants' })).body.Vertices).toEqual([]);
  });
});

describe('Application Auto Scaling is authorized on the endpoint its ResourceId names', () => {
  const target = (endpoint: string) => ({ ServiceNamespace: 'sagemaker', ResourceId: `endpoint/${endpoint}/variant/v`, ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' });
  const policy = (endpoint: string) => ({
    ...target(endpoint), PolicyName: 'p', PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } },
  });
  const calls = (endpoint: string) => [
    ['POST', '/api/v1/scalable-targets', { ...target(endpoint), MinCapacity: 1, MaxCapacity: 2 }],
    ['POST', '/api/v1/scaling-policies', policy(endpoint)],
    ['POST', '/api/v1/scaling-policies/delete', { ...target(endpoint), PolicyName: 'p' }],
    ['GET', `/api/v1/scaling-policies?ServiceNamespace=sagemaker&ResourceId=${encodeURIComponent(`endpoint/${endpoint}/variant/v`)}`, undefined],
  ] as const;

  it('a user allowed one endpoint is refused every other, and reaches the handler for his own', async () => {
    for (const [method, url, body] of calls('theirs')) {
      const r = await as('scaler', method, url, body);
      expect(r.status, `${url}: ${JSON.stringify(r.body)}`).toBe(403);
      expect(r.body.detail).toContain(sm('endpoint', 'theirs'));
    }
    for (const [method, url, body] of calls('mine')) {
      const r = await as('scaler', method, url, body);
      // No endpoint `mine` exists: past authorization the handler answers 404 or 400, the GET 200.
      expect(r.status, `${url}: ${JSON.stringify(r.body)}`).not.toBe(403);
    }
  });

  it('a Deny on an endpoint holds whatever case the ResourceId uses', async () => {
    for (const name of ['protected-prod', 'Protected-Prod']) {
      for (const [method, url, body] of calls(name)) {
        const r = await as('mallory', method, url, body);
        expect(r.status, `${url}: ${JSON.stringify(r.body)}`).toBe(403);
        expect(r.body.detail).toContain(sm('endpoint', 'protected-prod'));
      }
    }
  });

  it('DescribeScalingPolicies without a ResourceId needs the action on some endpoint, and lists only those the caller may see', async () => {
    const spec = endpointCollections.find((c) => c.name === 'endpoint_scaling');
    const scaling = loam.platform.store.collection(spec as typeof spec & { name: string });
    for (const endpointName of ['mine', 'protected-prod']) {
      const record: ScalingRecord = { key: `endpoint/${endpointName}/variant/v`, resourceId: `endpoint/${endpointName}/variant/v`, endpointName, variantName: 'v', minCapacity: 1, maxCapacity: 2, creationTime: 1, policies: [] };
      await scaling.insert(record as never);
    }
    // scaler, allowed one endpoint, gets that one (scaling-describe-scope-boto3.test.ts: and one allowed none is refused).
    const mine = await as('scaler', 'GET', '/api/v1/scaling-policies?ServiceNamespace=sagemaker');
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.ScalableTargets.map((t: { ResourceId: string }) => t.ResourceId)).toEqual(['endpoint/mine/variant/v']);
    const all = await as('mallory', 'GET', '/api/v1/scaling-policies?ServiceNamespace=sagemaker');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.ScalableTargets.map((t: { ResourceId: string }) => t.ResourceId)).toEqual(['endpoint/mine/variant/v']);
    const admin = await as('admin', 'GET', '/api/v1/scaling-policies?ServiceNamespace=sagemaker');
    expect(admin.body.ScalableTargets).toHaveLength(2);
  });
});
