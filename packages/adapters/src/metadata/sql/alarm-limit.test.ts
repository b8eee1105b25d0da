import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlarmService, ManualClock, endpointCollections, type MetadataStore, type RequestContext } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

/*
 * PutMetricAlarm counted the server's alarms and then inserted, so puts at once each saw room for one more and the
 * server overshot its limit. The count and the insert are now one transaction holding a server-wide key
 * (MetadataStore.lockUntilEnd): checked on the in-memory store, SQLite and PostgreSQL.
 */
const ctx = { principal: { userName: 'alice', userId: 'id-alice', arn: 'arn:loam:iam::123456789012:user/alice', via: 'token' }, requestId: 'test' } as RequestContext;
const MAX = 5;

function limitTests(backend: string, open: () => Promise<MetadataStore>): void {
  describe(`PutMetricAlarm's limit under concurrent puts (${backend})`, () => {
    const stores: MetadataStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    const put = (alarms: AlarmService, name: string) => alarms.PutMetricAlarm({
      AlarmName: name, MetricName: 'Invocations', Namespace: 'AWS/SageMaker', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold', Dimensions: [{ Name: 'EndpointName', Value: 'ep' }],
    } as Parameters<AlarmService['PutMetricAlarm']>[0], ctx).then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

    it(`keeps at most ${MAX} alarms: of 8 new alarms put at once beside 2, exactly 3 are stored and 5 refused`, async () => {
      const store = await open();
      stores.push(store);
      const alarms = new AlarmService({ store, clock: new ManualClock(1_700_000_000_000), partition: { region: 'us-east-1', accountId: '123456789012' }, states: () => ({ stateOf: () => undefined }), maxAlarms: MAX });
      for (const n of ['a', 'b']) expect(await put(alarms, n)).toBe('ok');
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => put(alarms, `new-${i}`)));
      expect(results.filter((r) => r === 'ok')).toHaveLength(3);
      expect(results.filter((r) => r !== 'ok')).toEqual(Array(5).fill('ResourceLimitExceeded'));
      expect((await alarms.DescribeAlarms({}, ctx)).MetricAlarms).toHaveLength(MAX);
      // A put replacing an alarm at the limit adds none.
      expect(await put(alarms, 'a')).toBe('ok');
    });

    it('stores one alarm of a new name put twice at once, both acknowledged', async () => {
      const store = await open();
      stores.push(store);
      const alarms = new AlarmService({ store, clock: new ManualClock(1_700_000_000_000), partition: { region: 'us-east-1', accountId: '123456789012' }, states: () => ({ stateOf: () => undefined }), maxAlarms: MAX });
      expect(await Promise.all([put(alarms, 'twice'), put(alarms, 'twice'), put(alarms, 'twice')])).toEqual(['ok', 'ok', 'ok']);
      expect((await alarms.DescribeAlarms({}, ctx)).MetricAlarms?.map((a) => a.AlarmName)).toEqual(['twice']);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'loam-alarms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
limitTests('in-memory fake', async () => createMemoryMetadataStore({ collections: endpointCollections }));
limitTests('SQLite file', () => openSqlMetadataStore({ url: `sqlite:${join(dir, `m${files++}.db`)}`, collections: endpointCollections }));
// The limit is the whole server's: each test its own schema.
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let opened = 0;
limitTests('PostgreSQL', () => openSqlMetadataStore({ url: testPostgresUrl, schema: schemas[opened++] as string, collections: endpointCollections }));
