import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointCollections, scalingCollection, ScalingService, systemClock, type AlarmRecord, type CollectionSpec, type MetadataStore, type ScalingRecord } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { Autoscaler } from './autoscaler.js';
import { call, deploy, invoke, storeGbdtModel, waitForEndpoint, xgboostImage } from './endpoints.test-support.js';

// Application Auto Scaling gives a target-tracking policy two CloudWatch alarms and scales on them:
// AlarmHigh (InvocationsPerInstance above the target for 3 one-minute datapoints) scales out, AlarmLow
// (below 90% of it for 15) scales in. Loam's autoscaler acts on the same alarms DescribeAlarms shows.

let loam: TestLoam;
let row: string;

const scalable = (endpoint: string) => ({ ServiceNamespace: 'sagemaker', ResourceId: `endpoint/${endpoint}/variant/v`, ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' }) as const;
const policy = (endpoint: string, extra: Record<string, unknown> = {}) => ({
  ...scalable(endpoint), PolicyName: 'ipi', PolicyType: 'TargetTrackingScaling' as const,
  TargetTrackingScalingPolicyConfiguration: { TargetValue: 600, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' as const }, ScaleOutCooldown: 0, ScaleInCooldown: 0, ...extra },
});
const fleetOf = (endpoint: string) => loam.platform.endpoints.controller.get(endpoint)!.blue.fleets.get('v')!;
const partition = { region: 'us-east-1', accountId: '000000000000' };
const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };

async function waitFor(what: string, ok: () => boolean, timeoutMs: number, during?: () => Promise<void>): Promise<void> {
  for (const t0 = Date.now(); !ok();) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    if (during) await during();
    else await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  loam = await openTestLoam();
  const { raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'm/model.tar.gz' });
  row = raw[0]!.join(',');
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'm', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz' } })).status).toBe(200);
}, 60_000);
afterAll(async () => loam?.close());

describe("target-tracking policies' alarms", () => {
  it('scale a variant out only once AlarmHigh is in ALARM (three breaching periods, not one burst), and in once AlarmLow is', async () => {
    expect((await deploy(loam, 'tt', [{ name: 'v', modelName: 'm', count: 1 }])).EndpointStatus).toBe('InService');
    expect((await call(loam, 'POST', '/api/v1/scalable-targets', { ...scalable('tt'), MinCapacity: 1, MaxCapacity: 3 })).status).toBe(200);
    // The server's own ScalingService makes one-minute periods; this one, on the same store, two-second
    // periods, so the alarms see three breaching datapoints in six seconds. The server's evaluator and
    // autoscaler act on these alarms as they are stored (the newest datapoint ends now, so a period
    // holds at least one whole second).
    const ep = loam.platform.endpoints;
    const fast = new ScalingService({ store: loam.platform.store, clock: systemClock, partition: { region: 'us-east-1', accountId: '000000000000' }, endpoints: ep.endpoints.endpoints, maxInstancesPerVariant: 16, alarmPeriodSeconds: 2 });
    const put = await fast.PutScalingPolicy(policy('tt'), ctx);
    const [high, low] = put.Alarms!;
    expect(high!.AlarmName).toMatch(/^TargetTracking-endpoint\/tt\/variant\/v-AlarmHigh-[0-9a-f-]{36}$/);
    expect(low!.AlarmName).toMatch(/^TargetTracking-endpoint\/tt\/variant\/v-AlarmLow-[0-9a-f-]{36}$/);
    const alarm = async (name: string) => (await call(loam, 'GET', `/api/v1/alarms?AlarmNames=${encodeURIComponent(name)}`)).body.MetricAlarms[0];
    // 600 per instance per minute is 20 per two-second period; scale-in below 90% of it.
    expect(await alarm(high!.AlarmName)).toEqual(expect.objectContaining({ MetricName: 'InvocationsPerInstance', Statistic: 'Sum', Period: 2, EvaluationPeriods: 3, Threshold: 20, ComparisonOperator: 'GreaterThanThreshold' }));
    expect(await alarm(low!.AlarmName)).toEqual(expect.objectContaining({ Period: 2, EvaluationPeriods: 15, Threshold: 18, ComparisonOperator: 'LessThanThreshold' }));

    // One burst: 60 invocations within a second breach one datapoint of three; the variant is left alone.
    for (let i = 0; i < 60; i++) expect((await invoke(loam, 'tt', row)).status).toBe(200);
    const scaler = new Autoscaler({ controller: ep.controller, evaluator: ep.evaluator, alarm: (n) => ep.alarms.get(n), policies: () => ep.scaling.all(), onScaled: async () => {}, logger: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } as never });
    await scaler.tick();
    expect((await alarm(high!.AlarmName)).StateValue).toBe('OK');
    expect(fleetOf('tt').desiredCount).toBe(1);

    // Sustained traffic (at least 30 a second on one instance: 1,800 a minute against 600) puts AlarmHigh
    // in ALARM after three periods, and the server's autoscaler (every 5 s) scales out on it.
    await waitFor('scale-out', () => fleetOf('tt').desiredCount > 1, 30_000, async () => {
      for (let i = 0; i < 5; i++) await invoke(loam, 'tt', row);
      await new Promise((r) => setTimeout(r, 100));
    });
    const activities = async () => (await call(loam, 'GET', '/api/v1/scaling-activities?ServiceNamespace=sagemaker&ResourceId=endpoint/tt/variant/v')).body.ScalingActivities;
    // The activity is recorded once the new count is applied (the instance started), after desiredCount
    // changed: wait for it rather than read it at once (a loaded machine starts the instance later).
    const recorded = async (n: number) => {
      let list = await activities();
      for (const t0 = Date.now(); list.length < n && Date.now() - t0 < 30_000; list = await activities()) await new Promise((r) => setTimeout(r, 100));
      return list;
    };
    expect((await recorded(1))[0]).toEqual(expect.objectContaining({
      StatusCode: 'Successful', Cause: expect.stringMatching(new RegExp(`^monitor alarm ${high!.AlarmName} in state ALARM triggered policy ipi: [\\d.]+ invocations per instance per minute against a target of 600, on 1 instance$`)),
    }));

    // Idle: fifteen periods below 90% of the target put AlarmLow in ALARM, and it scales back in.
    await waitFor('scale-in', () => fleetOf('tt').desiredCount === 1, 60_000);
    expect((await recorded(2))[0].Cause).toMatch(new RegExp(`^monitor alarm ${low!.AlarmName} in state ALARM triggered policy ipi: 0 invocations per instance per minute`));
    expect((await alarm(low!.AlarmName)).StateValue).toBe('ALARM');
    expect((await alarm(high!.AlarmName)).StateValue).toBe('OK');
  }, 120_000);

  it('are deleted with their endpoint, and a policy stored without alarms gets them from the reconciliation the server runs at start', async () => {
    expect((await deploy(loam, 'gone', [{ name: 'v', modelName: 'm', count: 1 }])).EndpointStatus).toBe('InService');
    expect((await call(loam, 'POST', '/api/v1/scalable-targets', { ...scalable('gone'), MinCapacity: 1, MaxCapacity: 2 })).status).toBe(200);
    const put = await call(loam, 'POST', '/api/v1/scaling-policies', policy('gone'));
    expect(put.status).toBe(200);
    const names = put.body.Alarms.map((a: { AlarmName: string }) => a.AlarmName);
    expect(names).toHaveLength(2);

    // A policy as an earlier Loam stored it: no alarms.
    const c = loam.platform.store.collection(scalingCollection);
    const cur = (await c.get('endpoint/gone/variant/v'))!;
    const bare: ScalingRecord = { ...cur.value, policies: cur.value.policies.map(({ alarms: _a, ...p }) => p) };
    await c.update(cur.value.key, cur.version, bare);
    const stray = names as string[]; // its alarms are no policy's now
    // At a start a minute or more later (an unnamed alarm younger than that may be a policy being put).
    const later = new ScalingService({ store: loam.platform.store, clock: { now: () => Date.now() + 61_000 }, partition, endpoints: loam.platform.endpoints.endpoints.endpoints, maxInstancesPerVariant: 16 });
    const r = await later.reconcileAlarms();
    expect(r.deleted.sort()).toEqual([...stray].sort());
    expect(r.created).toHaveLength(2);
    const described = (await call(loam, 'GET', '/api/v1/scaling-policies?ServiceNamespace=sagemaker&ResourceId=endpoint/gone/variant/v')).body.ScalingPolicies[0];
    expect(described.Alarms.map((a: { AlarmName: string }) => a.AlarmName).sort()).toEqual([...r.created].sort());
    const listed = async () => (await call(loam, 'GET', '/api/v1/alarms?AlarmNamePrefix=TargetTracking-endpoint/gone/')).body.MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName).sort();
    expect(await listed()).toEqual([...r.created].sort());

    // DeleteEndpoint deregisters the variant, and its policy's alarms go with it.
    expect((await call(loam, 'DELETE', '/api/v1/endpoints/gone')).status).toBe(200);
    expect(await listed()).toEqual([]);
  }, 60_000);

  it('another server starting on the same database (PostgreSQL) keeps the alarms of a policy being put, and gives a policy stored without alarms one set', async () => {
    expect((await deploy(loam, 'race', [{ name: 'v', modelName: 'm', count: 1 }])).EndpointStatus).toBe('InService');
    expect((await call(loam, 'POST', '/api/v1/scalable-targets', { ...scalable('race'), MinCapacity: 1, MaxCapacity: 2 })).status).toBe(200);
    const store = loam.platform.store;
    const endpoints = loam.platform.endpoints.endpoints.endpoints;
    const starting = new ScalingService({ store, clock: systemClock, partition, endpoints, maxInstancesPerVariant: 16 });
    // This server's ScalingService on the store, with `meanwhile` run once just before it writes the
    // scalable target (after it stored the policy's alarms).
    const interleaved = (meanwhile: () => Promise<unknown>) => {
      let pending = true;
      const bound = (o: object, k: string | symbol) => { const v = Reflect.get(o, k) as unknown; return typeof v === 'function' ? v.bind(o) : v; };
      const proxy = new Proxy(store, { get: (t, k) => k !== 'collection' ? bound(t, k) : (spec: { name: string }) => {
        const c = t.collection(spec as never);
        return spec.name !== scalingCollection.name ? c : new Proxy(c, { get: (ct, ck) => ck !== 'update' || !pending ? bound(ct, ck) : async (...args: unknown[]) => {
          pending = false;
          await meanwhile();
          return (ct.update as (...a: unknown[]) => unknown)(...args);
        } });
      } });
      return new ScalingService({ store: proxy as MetadataStore, clock: systemClock, partition, endpoints, maxInstancesPerVariant: 16 });
    };
    const alarmExists = async (name: string) => (await loam.platform.endpoints.alarms.get(name)) !== undefined;

    // PutScalingPolicy stores the alarms, then the policy naming them; the other server's start-up
    // reconciliation in between deleted them, so the acknowledged policy named alarms that did not exist
    // and never scaled.
    const put = await interleaved(() => starting.reconcileAlarms()).PutScalingPolicy(policy('race'), ctx);
    expect(put.Alarms).toHaveLength(2);
    for (const a of put.Alarms!) expect(await alarmExists(a.AlarmName), a.AlarmName).toBe(true);

    // A policy as an earlier Loam stored it, reconciled by two servers at once: the second's update
    // conflicted and failed its start. One set of alarms is named and exists; no other is left.
    const c = store.collection(scalingCollection);
    const cur = (await c.get('endpoint/race/variant/v'))!;
    await c.update(cur.value.key, cur.version, { ...cur.value, policies: cur.value.policies.map(({ alarms: _a, ...p }) => p) });
    const alarmRecords = store.collection(endpointCollections.find((spec) => spec.name === 'endpoint_alarms') as CollectionSpec<AlarmRecord>);
    for (const a of put.Alarms!) await alarmRecords.delete(a.AlarmName);
    await interleaved(() => starting.reconcileAlarms()).reconcileAlarms();
    const named = (await c.get('endpoint/race/variant/v'))!.value.policies.flatMap((p) => p.alarms ?? []).map((a) => a.name);
    expect(named).toHaveLength(2);
    for (const n of named) expect(await alarmExists(n), n).toBe(true);
    const listed = (await call(loam, 'GET', '/api/v1/alarms?AlarmNamePrefix=TargetTracking-endpoint/race/')).body.MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName);
    expect(listed.sort()).toEqual([...named].sort());
  }, 60_000);

  it("AlarmLow stays in ALARM through a blue/green update: the alarms are the variant's, not a fleet's", async () => {
    expect((await deploy(loam, 'bg', [{ name: 'v', modelName: 'm', count: 1 }])).EndpointStatus).toBe('InService');
    expect((await call(loam, 'POST', '/api/v1/scalable-targets', { ...scalable('bg'), MinCapacity: 1, MaxCapacity: 2 })).status).toBe(200);
    const ep = loam.platform.endpoints;
    // One-second periods: AlarmLow needs fifteen idle seconds.
    const fast = new ScalingService({ store: loam.platform.store, clock: systemClock, partition, endpoints: ep.endpoints.endpoints, maxInstancesPerVariant: 16, alarmPeriodSeconds: 1 });
    const low = (await fast.PutScalingPolicy(policy('bg'), ctx)).Alarms!.find((a) => a.AlarmName.includes('-AlarmLow-'))!;
    const record = (await ep.alarms.get(low.AlarmName))!;
    await waitFor('AlarmLow in ALARM', () => ep.evaluator.evaluate(record).value === 'ALARM', 40_000);

    // UpdateEndpoint to another config serving the variant under the same name: a new fleet takes over.
    await call(loam, 'DELETE', '/api/v1/endpoint-configs/bg-cfg-2'); // a failed attempt's
    const cfg = await call(loam, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'bg-cfg-2', ProductionVariants: [{ VariantName: 'v', ModelName: 'm', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    expect(cfg.status, JSON.stringify(cfg.body)).toBe(200);
    const before = fleetOf('bg');
    expect((await call(loam, 'POST', '/api/v1/endpoints/bg/update', { EndpointName: 'bg', EndpointConfigName: 'bg-cfg-2' })).status).toBe(200);
    await waitFor('the new fleet in service', () => fleetOf('bg') !== before, 30_000);
    // The variant served all along, idle: its fifteen idle periods still count (it waited fifteen more).
    expect(ep.evaluator.evaluate(record).value).toBe('ALARM');
    await waitForEndpoint(loam, 'bg', (s) => s === 'InService');
    expect(ep.evaluator.evaluate(record).value).toBe('ALARM');
  }, 90_000);

  it('target tracking wants ceil(instances × metric / target) within the capacity bounds', () => {
    expect(Autoscaler.desired(2, 1500, 600, 1, 3)).toBe(3);
    expect(Autoscaler.desired(3, 100, 600, 1, 3)).toBe(1);
    expect(Autoscaler.desired(1, 1200, 600, 1, 3)).toBe(2);
  });
});
