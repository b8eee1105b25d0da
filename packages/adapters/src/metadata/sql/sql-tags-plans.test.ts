import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type CompiledQuery } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type TaggedRange } from '@loam/core';
import { createSqlDialect } from './dialects/registry.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { queryPlanText } from './query-plan.test-support.js';
import { migrate } from './migrations.js';
import { SqlSession } from './session.js';
import { SqlTagStore } from './sql-tags.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

/*
 * The plans of TagStore.tagged as Search asks it: one resource type's ARNs having a key (a prefix), a page at a
 * time from the last ARN read. The type is a range of ARNs under the key in index tags_by_key_arn (base:0006), or
 * under each value in tags_by_key (base:0005): read in index order, never sorted, other types' rows never read.
 * With tags_by_key alone, a key on 20,000 endpoints was read and sorted whole for every training-job search.
 */
const type = (kind: string) => `arn:loam:sagemaker:us-east-1:000000000000:${kind}/`;
const asks: [string, string[] | undefined, TaggedRange, RegExp][] = [
  ['a key (Exists, NotExists)', undefined, { arnPrefix: type('training-job'), limit: 1000 }, /tags_by_key_arn/],
  ['a key, the next page', undefined, { arnPrefix: type('training-job'), after: `${type('training-job')}j-00500`, limit: 1000 }, /tags_by_key_arn/],
  ['a value (Equals)', ['blue'], { arnPrefix: type('training-job'), limit: 1000 }, /tags_by_key/],
];

function describePlans(name: string, open: () => Promise<SqlDialect>, sorts: RegExp, scans: RegExp, ranged: RegExp): void {
  describe(`tagged plans (${name})`, () => {
    let d: SqlDialect | undefined;
    const seen: CompiledQuery[] = [];
    let tags: SqlTagStore | undefined;
    const store = async () => {
      if (d === undefined || tags === undefined) {
        d = await open();
        await migrate(d, [], silentLogger);
        // 20,000 endpoints with the key, 5,000 training jobs with 8 other keys and 1 in 10 with the key, analysed, as a
        // store's would be: the primary key (ARN, key) reads every tag of every training job, tags_by_key_arn the key's alone.
        const endpoints = Array.from({ length: 20_000 }, (_, i) => ({ resource_arn: `${type('endpoint')}e-${String(i).padStart(5, '0')}`, tag_key: 'team', tag_value: i % 10 ? 'red' : 'blue' }));
        const jobs = Array.from({ length: 5000 }, (_, i) => `${type('training-job')}j-${String(i).padStart(5, '0')}`).flatMap((arn, i) => [
          ...(i % 10 ? [] : [{ resource_arn: arn, tag_key: 'team', tag_value: i % 20 ? 'red' : 'blue' }]),
          ...Array.from({ length: 8 }, (_, k) => ({ resource_arn: arn, tag_key: `k${k}`, tag_value: 'v' })),
        ]);
        const rows = [...endpoints, ...jobs];
        for (let i = 0; i < rows.length; i += 500) await d.db.insertInto('tags').values(rows.slice(i, i + 500)).execute();
        await sql`analyze tags`.execute(d.db);
        const db = d.db.withPlugin({
          transformQuery: (a) => {
            seen.push((d as SqlDialect).db.getExecutor().compileQuery(a.node, a.queryId));
            return a.node;
          },
          transformResult: async (a) => a.result,
        });
        tags = new SqlTagStore(new SqlSession(d, db, new Map(), false));
      }
      return { d, tags };
    };
    afterAll(async () => d?.destroy());
    for (const [what, values, range, index] of asks) {
      it(`${what}: one type's ARNs, a range of the index read in order`, async () => {
        const s = await store();
        const found = await s.tags.tagged('team', values, range);
        expect(found.length).toBeGreaterThan(0);
        expect(found.every((r) => r.ResourceArn.startsWith(type('training-job')))).toBe(true);
        const plan = await queryPlanText(s.d, seen[seen.length - 1] as CompiledQuery);
        expect(plan, plan).toMatch(index);
        expect(plan).toMatch(ranged);
        expect(plan).not.toMatch(sorts);
        expect(plan).not.toMatch(scans);
      });
    }
  });
}

const dir = mkdtempSync(join(tmpdir(), 'loam-tag-plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describePlans('SQLite', () => createSqlDialect({ url: `sqlite:${join(dir, 'plans.db')}`, logger: silentLogger }), /TEMP B-TREE/, /^SCAN tags$/m, /resource_arn>\? AND resource_arn<\?/);
const schema = useFreshPostgresSchema();
describePlans('PostgreSQL', () => createSqlDialect({ url: testPostgresUrl, schema, logger: silentLogger }), /\bSort\b/, /Seq Scan/, /Index Cond: .*resource_arn >= .*resource_arn < /);
