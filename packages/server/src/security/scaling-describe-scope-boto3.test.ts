import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { endpointCollections, scalingActivitiesCollection, type ScalingActivityRecord, type ScalingRecord } from '@loam/core';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { requireDebianBoto3, runBoto3 } from '../transports/boto3.test-support.js';
import { scopedUsers } from './scoped-users.test-support.js';

// Application Auto Scaling's Describe* without a ResourceId answer only the endpoints the caller may act
// on, each checked on its own ARN. They were authorized on `endpoint/*` (every endpoint), so a user allowed
// only `endpoint/team-*` was refused the list although it would have been filtered anyway; they now need
// the action on some endpoint (answersOnlyAllowed). A caller allowed none, or denied all, is still refused.
// Driven by boto3's application-autoscaling client (Debian's, unchanged), signing as each user.

let loam: TestLoam;
let url: string;
const keys: Record<string, [string, string]> = {};
const { userWith } = scopedUsers(() => loam);
const endpoints = ['team-a', 'team-b', 'other'];

async function start(): Promise<void> {
  requireDebianBoto3();
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  const { partition } = loam.platform;
  const scalingSpec = endpointCollections.find((c) => c.name === 'endpoint_scaling');
  const targets = loam.platform.store.collection(scalingSpec as typeof scalingSpec & { name: string });
  const activities = loam.platform.store.collection(scalingActivitiesCollection);
  for (const [i, endpointName] of endpoints.entries()) {
    const resourceId = `endpoint/${endpointName}/variant/v`;
    const policy = {
      name: 'p', arn: `arn:loam:autoscaling:${partition.region}:${partition.accountId}:scalingPolicy:${resourceId}:policyName/p`,
      targetValue: 100, scaleOutCooldown: 300, scaleInCooldown: 300, disableScaleIn: false, creationTime: i + 1,
    };
    const target: ScalingRecord = { key: resourceId, resourceId, endpointName, variantName: 'v', minCapacity: 1, maxCapacity: 2, creationTime: i + 1, policies: [policy] };
    await targets.insert(target as never);
    const activity: ScalingActivityRecord = {
      key: `00000000-0000-4000-8000-00000000000${i}`, targetKey: resourceId, resourceId, endpointName, startTime: i + 1, endTime: i + 1,
      description: 'Setting desired instance count to 2.', cause: 'test', statusCode: 'Successful', statusMessage: 'ok',
    };
    await activities.insert(activity);
  }
  const describe = ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies', 'application-autoscaling:DescribeScalingActivities'];
  const users: Record<string, unknown[]> = {
    // tess may describe the team's endpoints' scaling, nothing else.
    tess: [{ Effect: 'Allow', Action: describe, Resource: 'arn:loam:sagemaker:*:*:endpoint/team-*' }],
    // dana may do anything but describe scaling.
    dana: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: describe, Resource: 'arn:loam:sagemaker:*:*:endpoint/*' }],
    // nora may describe SageMaker endpoints, not their scaling.
    nora: [{ Effect: 'Allow', Action: 'sagemaker:Describe*', Resource: '*' }],
  };
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  for (const [user, statements] of Object.entries(users)) {
    await userWith(user, statements);
    const k = (await loam.platform.identity.CreateAccessKey({ UserName: user }, ctx)).AccessKey;
    keys[user] = [k.AccessKeyId, k.SecretAccessKey];
  }
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

/** Each Describe* without a ResourceId as `user`: the ResourceIds answered, or the error. */
async function describeAll(user: string): Promise<Record<string, unknown>> {
  const key = user === 'admin' ? [loam.adminAccessKeyId, loam.adminSecretAccessKey] : keys[user];
  return runBoto3<Record<string, unknown>>({ url, accessKeyId: key![0]!, secretAccessKey: key![1]! }, `
aas = client('application-autoscaling')
def ids(fn, field):
  try:
    return sorted(x['ResourceId'] for x in fn(ServiceNamespace='sagemaker')[field])
  except Exception as e:
    err = getattr(e, 'response', {}).get('Error', {})
    return [err.get('Code'), err.get('Message')]
print(json.dumps({
  'targets': ids(aas.describe_scalable_targets, 'ScalableTargets'),
  'policies': ids(aas.describe_scaling_policies, 'ScalingPolicies'),
  'activities': ids(aas.describe_scaling_activities, 'ScalingActivities'),
}))
`);
}

describe('Application Auto Scaling Describe* without a ResourceId', () => {
  it("answers a user allowed only the team's endpoints with the team's targets, policies and activities", async () => {
    const team = ['endpoint/team-a/variant/v', 'endpoint/team-b/variant/v'];
    expect(await describeAll('tess')).toEqual({ targets: team, policies: team, activities: team });
    const all = endpoints.map((e) => `endpoint/${e}/variant/v`).sort();
    expect(await describeAll('admin')).toEqual({ targets: all, policies: all, activities: all });
  }, 60_000);

  it('still refuses a user who may describe no endpoint, or is denied every one', async () => {
    for (const user of ['nora', 'dana']) {
      const out = await describeAll(user);
      for (const [field, action] of [['targets', 'DescribeScalableTargets'], ['policies', 'DescribeScalingPolicies'], ['activities', 'DescribeScalingActivities']] as const) {
        const [code, message] = out[field] as [string, string];
        expect(code, `${user} ${field}`).toBe('AccessDeniedException');
        expect(message).toContain(`application-autoscaling:${action} on resource: arn:loam:sagemaker:us-east-1:000000000000:endpoint/*${user === 'dana' ? ' with an explicit deny' : ''}`);
      }
    }
  }, 60_000);
});
