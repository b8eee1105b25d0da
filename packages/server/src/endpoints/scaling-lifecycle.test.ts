import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorize, endpointCollections, EndpointService, EndpointStore, ScalingService, silentLogger, systemClock,
  type MetadataStore, type Principal, type ScalingRecord,
} from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, storeGbdtModel, waitForEndpoint, xgboostImage } from './endpoints.test-support.js';
import { Autoscaler } from './autoscaler.js';

// A scalable target belongs to the endpoint it was registered on. SageMaker's DeleteEndpoint deregisters
// the endpoint's targets (and needs application-autoscaling:DeregisterScalableTarget for it): a target
// left behind scaled the next endpoint created under the same name, whoever created it.

let loam: TestLoam;
const tokens: Record<string, string> = {};

async function userWith(name: string, statements: unknown[]): Promise<void> {
  const id = loam.platform.identity;
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  await id.CreateUser({ UserName: name }, ctx);
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, ctx);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, ctx);
  tokens[name] = (await id.CreateApiToken({ UserName: name, TokenName: 't' }, ctx)).ApiToken.Token;
}

async function as(user: string, method: 'POST' | 'GET' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[user] as string}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}

const target = (endpoint: string) => ({ ServiceNamespace: 'sagemaker', ResourceId: `endpoint/${endpoint}/variant/v`, ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' }) as const;

async function createEndpoint(user: string, name: string): Promise<void> {
  const r = await as(user, 'POST', '/api/v1/endpoints', { EndpointName: name, EndpointConfigName: 'cfg' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const d = await waitForEndpoint(loam, name, (s) => s !== 'Creating');
  expect(d.EndpointStatus, d.FailureReason).toBe('InService');
}

async function deleteEndpoint(user: string, name: string): Promise<{ status: number; body: any }> {
  const r = await as(user, 'DELETE', `/api/v1/endpoints/${name}`);
  for (let t0 = Date.now(); r.status === 200 && (await call(loam, 'GET', `/api/v1/endpoints/${name}`)).status !== 404;) {
    if (Date.now() - t0 > 30_000) throw new Error(`endpoint ${name} was not deleted in 30 s`);
    await new Promise((res) => setTimeout(res, 50));
  }
  return r;
}

/** Registers a target of MinCapacity 2 (the autoscaler holds the variant at 2 instances, traffic or not) with a policy. */
async function scale(user: string, endpoint: string): Promise<void> {
  expect((await as(user, 'POST', '/api/v1/scalable-targets', { ...target(endpoint), MinCapacity: 2, MaxCapacity: 2 })).status).toBe(200);
  const p = await as(user, 'POST', '/api/v1/scaling-policies', {
    ...target(endpoint), PolicyName: 'p', PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 1000, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } },
  });
  expect(p.status, JSON.stringify(p.body)).toBe(200);
}

const targets = async () => (await call(loam, 'GET', '/api/v1/scalable-targets?ServiceNamespace=sagemaker')).body.ScalableTargets.map((t: { ResourceId: string }) => t.ResourceId);

/** One pass of the autoscaler over every registered target, as the server's loop runs it. */
async function autoscale(): Promise<void> {
  const ep = loam.platform.endpoints;
  await new Autoscaler({ controller: ep.controller, evaluator: ep.evaluator, alarm: (n) => ep.alarms.get(n), policies: () => ep.scaling.all(), onScaled: async () => {}, logger: silentLogger }).tick();
}

const desired = (endpoint: string) => loam.platform.endpoints.controller.get(endpoint)?.blue.fleets.get('v')?.desiredCount;

beforeAll(async () => {
  loam = await openTestLoam();
  await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'm/model.tar.gz' });
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'm', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz' } })).status).toBe(200);
  expect((await call(loam, 'POST', '/api/v1/endpoint-configs', {
    EndpointConfigName: 'cfg', ProductionVariants: [{ VariantName: 'v', ModelName: 'm', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
  })).status).toBe(200);
  await userWith('alice', [{ Effect: 'Allow', Action: ['sagemaker:*', 'application-autoscaling:*'], Resource: '*' }]);
  await userWith('bob', [{ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }]);
}, 60_000);
afterAll(async () => loam?.close());

describe('scalable targets end with their endpoint', () => {
  it("DeleteEndpoint deregisters the endpoint's targets: the next endpoint of that name, another user's, is not scaled by them", async () => {
    await createEndpoint('alice', 'shared');
    await scale('alice', 'shared');
    expect(await targets()).toEqual(['endpoint/shared/variant/v']);
    expect((await deleteEndpoint('alice', 'shared')).status).toBe(200);
    expect(await targets()).toEqual([]);
    expect((await call(loam, 'GET', '/api/v1/scaling-policies?ServiceNamespace=sagemaker')).body.ScalingPolicies).toEqual([]);

    await createEndpoint('bob', 'SHARED');
    await autoscale();
    expect(desired('SHARED')).toBe(1);
    expect((await deleteEndpoint('bob', 'SHARED')).status).toBe(200);
  }, 60_000);

  it('refuses DeleteEndpoint to a caller who may not deregister its targets, naming them, and changes nothing', async () => {
    await createEndpoint('alice', 'scaled');
    await scale('alice', 'scaled');
    const r = await deleteEndpoint('bob', 'scaled');
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.code).toBe('AccessDeniedException');
    expect(r.body.detail).toContain('application-autoscaling:DeregisterScalableTarget');
    expect(r.body.detail).toContain('endpoint/scaled/variant/v');
    expect((await call(loam, 'GET', '/api/v1/endpoints/scaled')).body.EndpointStatus).toBe('InService');
    expect(await targets()).toEqual(['endpoint/scaled/variant/v']);
    // Once the targets are deregistered, bob's delete goes through.
    expect((await as('alice', 'POST', '/api/v1/scalable-targets/delete', target('scaled'))).status).toBe(200);
    expect((await deleteEndpoint('bob', 'scaled')).status).toBe(200);
  }, 60_000);

  it('refuses a target on an endpoint being deleted', async () => {
    await createEndpoint('alice', 'going');
    await loam.platform.endpoints.endpoints.endpoints.patch('going', (e) => ({ ...e, status: 'Deleting' }));
    const r = await as('alice', 'POST', '/api/v1/scalable-targets', { ...target('going'), MinCapacity: 1, MaxCapacity: 2 });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.detail).toContain("Endpoint 'going' is being deleted");
    expect(await targets()).toEqual([]);
    await loam.platform.endpoints.endpoints.endpoints.patch('going', (e) => ({ ...e, status: 'InService' }));
    expect((await deleteEndpoint('alice', 'going')).status).toBe(200);
  }, 60_000);

  it('at start, targets of endpoints deleted before (by an older Loam) are removed; a live endpoint keeps its own', async () => {
    await createEndpoint('alice', 'live');
    await scale('alice', 'live');
    const spec = endpointCollections.find((c) => c.name === 'endpoint_scaling') as (typeof endpointCollections)[number];
    const orphan: ScalingRecord = { key: 'endpoint/gone/variant/v', resourceId: 'endpoint/gone/variant/v', endpointName: 'gone', variantName: 'v', minCapacity: 2, maxCapacity: 2, creationTime: 1, policies: [] };
    await loam.platform.store.collection(spec as never).insert(orphan as never);
    expect(await loam.platform.endpoints.scaling.removeOrphans()).toEqual(['endpoint/gone/variant/v']);
    expect(await targets()).toEqual(['endpoint/live/variant/v']);
    expect((await as('alice', 'POST', '/api/v1/scalable-targets/delete', target('live'))).status).toBe(200);
    expect((await deleteEndpoint('alice', 'live')).status).toBe(200);
  }, 60_000);
});

/**
 * The store, with `hook` run once right after the first call of `method` on collection `name` has
 * read: the other request of a race runs between this one's read and its next step.
 */
function after(store: MetadataStore, name: string, method: 'list' | 'get', hook: () => Promise<unknown>): MetadataStore {
  let fired = false;
  const bound = <T extends object>(t: T, p: string | symbol) => {
    const v = Reflect.get(t, p, t) as unknown;
    return typeof v === 'function' ? v.bind(t) : v;
  };
  return new Proxy(store, {
    get: (t, p) => p !== 'collection' ? bound(t, p) : (spec: { name: string }) => {
      const c = t.collection(spec as never) as object;
      if (spec.name !== name) return c;
      return new Proxy(c, {
        get: (tc, q) => q !== method ? bound(tc, q) : async (...args: unknown[]) => {
          const r = await (Reflect.get(tc, q, tc) as (...a: unknown[]) => Promise<unknown>).apply(tc, args);
          if (!fired) {
            fired = true;
            await hook();
          }
          return r;
        },
      });
    },
  });
}

const principal = (userName: string): Principal => ({ userName, userId: userName, arn: `arn:loam:iam::000000000000:user/${userName}`, via: 'token' });
const ctx = (userName: string) => ({ principal: principal(userName), requestId: 'r' });

describe('DeleteEndpoint and RegisterScalableTarget racing', () => {
  const services = (store: MetadataStore) => {
    const ep = loam.platform.endpoints;
    const policies = async (p: Principal, action: string, resource: string) => authorize(p, await loam.platform.identity.policiesOf(p.userName), action, resource);
    const common = { clock: systemClock, partition: loam.platform.partition, maxInstancesPerVariant: 4 };
    return {
      endpoints: new EndpointService({ ...common, store, configs: ep.configs, deployer: () => ep.controller, authorize: policies }),
      scaling: new ScalingService({ ...common, store: loam.platform.store, endpoints: new EndpointStore(store), authorize: policies }),
    };
  };

  it('a target registered while DeleteEndpoint runs is authorized on the read that deletes it: refused, nothing deleted', async () => {
    await createEndpoint('alice', 'race-b');
    // alice registers a target between bob's first read of the targets (none) and his mark of Deleting.
    const racing = after(loam.platform.store, 'endpoint_scaling', 'list', () =>
      loam.platform.endpoints.scaling.RegisterScalableTarget({ ...target('race-b'), MinCapacity: 1, MaxCapacity: 2 }, ctx('alice')));
    await expect(services(racing).endpoints.DeleteEndpoint({ EndpointName: 'race-b' }, ctx('bob'))).rejects.toMatchObject({
      code: 'AccessDeniedException', message: expect.stringContaining('endpoint/race-b/variant/v'),
    });
    expect((await call(loam, 'GET', '/api/v1/endpoints/race-b')).body.EndpointStatus).toBe('InService');
    expect(await targets()).toContain('endpoint/race-b/variant/v');
    expect((await as('alice', 'POST', '/api/v1/scalable-targets/delete', target('race-b'))).status).toBe(200);
    expect((await deleteEndpoint('alice', 'race-b')).status).toBe(200);
  }, 60_000);

  it('a target whose endpoint is deleted between its check and its insert is refused, not left to outlive it', async () => {
    await createEndpoint('alice', 'race-a');
    // alice deletes the endpoint after her RegisterScalableTarget found it InService, before it inserts.
    const racing = after(loam.platform.store, 'endpoints', 'get', () => loam.platform.endpoints.endpoints.DeleteEndpoint({ EndpointName: 'race-a' }, ctx('alice')));
    await expect(services(racing).scaling.RegisterScalableTarget({ ...target('race-a'), MinCapacity: 1, MaxCapacity: 2 }, ctx('alice'))).rejects.toMatchObject({
      code: 'ValidationException', message: expect.stringContaining("Endpoint 'race-a' is being deleted"),
    });
    expect(await targets()).not.toContain('endpoint/race-a/variant/v');
    await deleteEndpoint('alice', 'race-a');
  }, 60_000);

  it('every target is read past the first 1,000: at start, 1,001 orphaned targets are all removed', async () => {
    const spec = endpointCollections.find((c) => c.name === 'endpoint_scaling') as (typeof endpointCollections)[number];
    const ids = Array.from({ length: 1001 }, (_, i) => `endpoint/gone-${String(i).padStart(4, '0')}/variant/v`);
    for (const id of ids) {
      const orphan: ScalingRecord = { key: id, resourceId: id, endpointName: id.split('/')[1] as string, variantName: 'v', minCapacity: 2, maxCapacity: 2, creationTime: 1, policies: [] };
      await loam.platform.store.collection(spec as never).insert(orphan as never);
    }
    expect((await loam.platform.endpoints.scaling.removeOrphans()).sort()).toEqual(ids);
    expect(await loam.platform.endpoints.scaling.all()).toEqual([]);
  }, 60_000);
});
