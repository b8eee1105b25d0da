import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlarmService, EndpointStore, ManualClock, ScalingService, endpointCollections, scalingCollection, type MetadataStore, type RequestContext, type ScalingRecord } from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

/*
 * A target-tracking policy's alarms count toward the server's alarm limit, as PutMetricAlarm's do. PutScalingPolicy
 * stored them without looking at the limit and without PutMetricAlarm's server-wide key, so policies (alone, or
 * racing puts) passed it. It now counts and stores them holding that key and refuses a policy whose alarms would
 * pass the limit (ResourceLimitExceeded: Application Auto Scaling's LimitExceededException).
 */
const ctx = { principal: { userName: 'alice', userId: 'id-alice', arn: 'arn:loam:iam::123456789012:user/alice', via: 'token' }, requestId: 'test' } as RequestContext;
const partition = { region: 'us-east-1', accountId: '123456789012' };
const MAX = 5;
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

function limitTests(backend: string, open: () => Promise<MetadataStore>): void {
  describe(`PutScalingPolicy's alarms and the server's alarm limit (${backend})`, () => {
    const stores: MetadataStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    async function setUp(targets: string[]) {
      const store = await open();
      stores.push(store);
      const clock = new ManualClock(1_700_000_000_000);
      const alarms = new AlarmService({ store, clock, partition, states: () => ({ stateOf: () => undefined }), maxAlarms: MAX });
      const scaling = new ScalingService({ store, clock, partition, endpoints: new EndpointStore(store, clock), maxInstancesPerVariant: 4, maxAlarms: MAX });
      for (const ep of targets) {
        const resourceId = `endpoint/${ep}/variant/v`;
        const rec: ScalingRecord = { key: resourceId, resourceId, endpointName: ep, variantName: 'v', minCapacity: 1, maxCapacity: 2, creationTime: 1_700_000_000, policies: [] };
        await store.collection(scalingCollection).insert(rec);
      }
      const put = (name: string) => outcome(alarms.PutMetricAlarm({
        AlarmName: name, MetricName: 'Invocations', Namespace: 'AWS/SageMaker', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold', Dimensions: [{ Name: 'EndpointName', Value: 'ep' }],
      } as Parameters<AlarmService['PutMetricAlarm']>[0], ctx));
      const policy = (ep: string, target = 100) => outcome(scaling.PutScalingPolicy({
        ServiceNamespace: 'sagemaker', ResourceId: `endpoint/${ep}/variant/v`, ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', PolicyName: 'ipi', PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: { TargetValue: target, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } },
      } as Parameters<ScalingService['PutScalingPolicy']>[0], ctx));
      const stored = async () => (await alarms.DescribeAlarms({}, ctx)).MetricAlarms ?? [];
      return { scaling, put, policy, stored };
    }

    it(`refuses a policy whose two alarms would pass ${MAX}, naming the limit; replacing a policy at the limit is accepted`, async () => {
      const { scaling, put, policy, stored } = await setUp(['a', 'b']);
      for (const n of ['x1', 'x2', 'x3']) expect(await put(n)).toBe('ok');
      expect(await policy('a')).toBe('ok');
      expect(await stored()).toHaveLength(MAX);
      await expect(scaling.PutScalingPolicy({
        ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/b/variant/v', ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', PolicyName: 'ipi', PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: { TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } },
      } as Parameters<ScalingService['PutScalingPolicy']>[0], ctx)).rejects.toMatchObject({ code: 'ResourceLimitExceeded', message: expect.stringContaining(`limit of ${MAX} alarms`) });
      expect(await stored()).toHaveLength(MAX);
      expect((await scaling.DescribeScalingPolicies({ ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/b/variant/v' } as never, ctx)).ScalingPolicies).toEqual([]);
      // The replaced policy's two alarms make way for the new two.
      expect(await policy('a', 200)).toBe('ok');
      expect(await stored()).toHaveLength(MAX);
    });

    it(`keeps at most ${MAX} alarms when two policies and four puts come at once beside one alarm`, async () => {
      const { put, policy, stored } = await setUp(['a', 'b']);
      expect(await put('x0')).toBe('ok');
      const results = await Promise.all([policy('a'), put('p1'), policy('b'), put('p2'), put('p3'), put('p4')]);
      expect(results.filter((r) => r !== 'ok').every((r) => r === 'ResourceLimitExceeded')).toBe(true);
      const okPolicies = [results[0], results[2]].filter((r) => r === 'ok').length;
      const okPuts = [results[1], results[3], results[4], results[5]].filter((r) => r === 'ok').length;
      expect(await stored()).toHaveLength(1 + okPuts + 2 * okPolicies);
      expect(1 + okPuts + 2 * okPolicies).toBeLessThanOrEqual(MAX);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'loam-scaling-alarms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
limitTests('SQLite file', () => openSqlMetadataStore({ url: `sqlite:${join(dir, `m${files++}.db`)}`, collections: endpointCollections }));
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let opened = 0;
limitTests('PostgreSQL', () => openSqlMetadataStore({ url: testPostgresUrl, schema: schemas[opened++] as string, collections: endpointCollections }));
