import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNextToken, jobsCollection, lineageArtifactsCollection, metricMinutesCollection, silentLogger, type CollectionSpec, type ListQuery } from '@loam/core';
import { createSqlDialect } from './dialects/registry.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { queryPlanText } from './query-plan.test-support.js';
import { layoutOf } from './collection-layout.js';
import { planList } from './list-query.js';
import { migrate } from './migrations.js';
import { listPageQuery } from './sql-collection.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

/*
 * The plans of the listings a team's store answers most: a page of training jobs by creation time (or
 * name), the lineage recorder's prefix lookup and a CloudWatch metric read (one variant's minutes over a
 * time window). Each must come from an index, not from reading and sorting every record: with 20,000
 * jobs every ListTrainingJobs page sorted all of them (documents included), every new artifact read
 * every artifact, and a metric read of one variant read 15 days of minutes of every variant.
 */
type Doc = Record<string, string | number>;
const specs = [jobsCollection, lineageArtifactsCollection, metricMinutesCollection] as unknown as CollectionSpec<unknown>[];
const layouts = new Map(specs.map((s) => [s.name, layoutOf(s)]));

async function planText(d: SqlDialect, table: string, q: ListQuery<Doc>, priceOutSorts = true): Promise<string> {
  const layout = layouts.get(table)!;
  return queryPlanText(d, listPageQuery(d.db, layout, planList(d, layout, q)).compile(), { priceOutSorts });
}

const training = { field: 'kind', op: 'eq', value: 'training-job' } as const;
const queries: [string, string, ListQuery<Doc>][] = [
  ['training jobs by CreationTime Descending', 'jobs', { filters: [training], sortBy: 'creationTime', sortOrder: 'Descending', maxResults: 10 }],
  ['training jobs by CreationTime Ascending, after a token', 'jobs', { filters: [training], sortBy: 'creationTime', sortOrder: 'Ascending', maxResults: 10, nextToken: encodeNextToken({ after: '5', name: 'training-job/x' }) }],
  ['training jobs with a status, by CreationTime', 'jobs', { filters: [training, { field: 'status', op: 'eq', value: 'Failed' }], sortBy: 'creationTime', sortOrder: 'Descending', maxResults: 10 }],
  ['training jobs by Name', 'jobs', { filters: [training], sortBy: 'name', sortOrder: 'Ascending', maxResults: 10 }],
];

function describePlans(name: string, open: () => Promise<SqlDialect>, sorts: RegExp, scans: RegExp, windowed: RegExp): void {
  describe(`listing plans (${name})`, () => {
    let d: SqlDialect | undefined;
    const dialect = async () => {
      if (d === undefined) {
        d = await open();
        await migrate(d, [...layouts.values()], silentLogger);
      }
      return d;
    };
    afterAll(async () => d?.destroy());
    for (const [what, table, q] of queries) {
      it(`${what}: read in index order, never sorted`, async () => {
        const plan = await planText(await dialect(), table, q);
        expect(plan).not.toMatch(sorts);
        expect(plan).not.toMatch(scans);
      });
    }
    // A prefix matches a few of many artifacts: the uri index finds them (sorting those few is cheap, so sorts are
    // priced as usual). The table holds 5,000 artifacts under other prefixes, analysed, as a store's would be:
    // PostgreSQL's planner reads an empty table in key order whatever indexes exist.
    it('lineage artifacts under a URI prefix: found through the uri index', async () => {
      const db = await dialect();
      // Emptied first: CI's retry of this test finds the rows its failed attempt wrote.
      await db.db.deleteFrom('lineage_artifacts' as never).execute();
      const rows = Array.from({ length: 5000 }, (_, i) => ({ pk: `arn:a/${i}`, doc: '{}', version: 1, ix_uri: `s3://b/out/job-${i}/model.tar.gz`, ix_createdAt: i }));
      for (let i = 0; i < rows.length; i += 500) await db.db.insertInto('lineage_artifacts' as never).values(rows.slice(i, i + 500) as never).execute();
      await sql`analyze lineage_artifacts`.execute(db.db);
      const plan = await planText(db, 'lineage_artifacts', { filters: [{ field: 'uri', op: 'prefix', value: 's3://b/out/job-7/' }], maxResults: 1000 }, false);
      expect(plan).toMatch(/lineage_artifacts__uri/);
      expect(plan).not.toMatch(scans);
    });
    // GetMetricStatistics / GetMetricData over one variant (MetricHistory.minutes), first page and a later one.
    // The table holds 3 variants' minutes, analysed.
    it('one variant\'s metric minutes over a time window: only that window read, in order', async () => {
      const db = await dialect();
      await db.db.deleteFrom('endpoint_metric_minutes' as never).execute(); // as above
      const rows = ['A', 'B', 'C'].flatMap((v) => Array.from({ length: 2000 }, (_, i) => ({ pk: `ep/${v}/${1_700_000_000 + i * 60}`, doc: '{}', version: 1, ix_endpointName: 'ep', ix_variantName: v, ix_minute: 1_700_000_000 + i * 60 })));
      for (let i = 0; i < rows.length; i += 500) await db.db.insertInto('endpoint_metric_minutes' as never).values(rows.slice(i, i + 500) as never).execute();
      await sql`analyze endpoint_metric_minutes`.execute(db.db);
      const window: ListQuery<Doc>['filters'] = [
        { field: 'endpointName', op: 'eq', value: 'ep' }, { field: 'variantName', op: 'eq', value: 'B' },
        { field: 'minute', op: 'gte', value: 1_700_030_000 }, { field: 'minute', op: 'lt', value: 1_700_033_600 },
      ];
      const later = encodeNextToken({ after: '1700030600', name: 'ep/B/1700030600' });
      for (const q of [{ filters: window, sortBy: 'minute', maxResults: 1000 }, { filters: window, sortBy: 'minute', maxResults: 1000, nextToken: later }]) {
        const plan = await planText(db, 'endpoint_metric_minutes', q);
        expect(plan).toMatch(windowed);
        expect(plan).not.toMatch(sorts);
        expect(plan).not.toMatch(scans);
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'loam-plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describePlans('SQLite', () => createSqlDialect({ url: `sqlite:${join(dir, 'plans.db')}`, logger: silentLogger }), /TEMP B-TREE/, /^SCAN (jobs|lineage_artifacts|endpoint_metric_minutes)$/m,
  /endpoint_metric_minutes__o__endpointName_variantName__minute \(ix_endpointName=\? AND ix_variantName=\? AND <expr>=\? AND ix_minute>\? AND ix_minute<\?\)/);
const schema = useFreshPostgresSchema();
describePlans('PostgreSQL', () => createSqlDialect({ url: testPostgresUrl, schema, logger: silentLogger }), /\bSort\b/, /Seq Scan/,
  /Index Cond: .*"ix_variantName" = .*ix_minute >= .*ix_minute < /);
