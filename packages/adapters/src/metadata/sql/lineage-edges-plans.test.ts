import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type LineageEdgeQuery } from '@loam/core';
import { createSqlDialect } from './dialects/registry.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { queryPlanText } from './query-plan.test-support.js';
import { migrate } from './migrations.js';
import { listEdgesQuery } from './sql-lineage.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

/*
 * ListAssociations with no end given pages lineage_edges by created_at (its default SortBy), and filters
 * it by CreatedAfter/CreatedBefore. lineage_edges had no index on created_at: every page read and sorted
 * the whole table. Each listing below must come from the created_at index, never from a sort or a scan of
 * the table. The table holds 6,000 edges, analysed, as a store's would be.
 */
const t0 = 1_700_000_000_000;
const queries: [string, LineageEdgeQuery][] = [
  ['newest first (the default)', { sortBy: 'createdAt', order: 'Descending', limit: 500 }],
  ['oldest first', { sortBy: 'createdAt', order: 'Ascending', limit: 500 }],
  ['a later page (after a keyset token)', { sortBy: 'createdAt', order: 'Descending', limit: 500, after: { createdAt: t0 + 3000 * 1000, sourceArn: 'arn:s/3000', destinationArn: 'arn:d/3000' } }],
  ['a creation-time window', { sortBy: 'createdAt', order: 'Descending', limit: 500, createdAfter: t0 + 1000 * 1000, createdBefore: t0 + 1100 * 1000 }],
];

const planText = (d: SqlDialect, q: LineageEdgeQuery): Promise<string> => queryPlanText(d, listEdgesQuery(d.db, q).compile());

function describePlans(name: string, open: () => Promise<SqlDialect>, sorts: RegExp, scans: RegExp): void {
  describe(`lineage edge listing plans (${name})`, () => {
    let d: SqlDialect | undefined;
    const dialect = async () => {
      if (d === undefined) {
        d = await open();
        await migrate(d, [], silentLogger);
        const rows = Array.from({ length: 6000 }, (_, i) => ({ source_arn: `arn:s/${i}`, destination_arn: `arn:d/${i}`, association_type: 'ContributedTo', created_at: t0 + i * 1000 }));
        for (let i = 0; i < rows.length; i += 500) await d.db.insertInto('lineage_edges' as never).values(rows.slice(i, i + 500) as never).execute();
        await sql`analyze lineage_edges`.execute(d.db);
      }
      return d;
    };
    afterAll(async () => d?.destroy());
    for (const [what, q] of queries) {
      it(`${what}: read through the created_at index, never sorted`, async () => {
        const plan = await planText(await dialect(), q);
        expect(plan).toMatch(/lineage_edges_created_at/);
        expect(plan).not.toMatch(sorts);
        expect(plan).not.toMatch(scans);
      });
    }
  });
}

const dir = mkdtempSync(join(tmpdir(), 'loam-edge-plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describePlans('SQLite', () => createSqlDialect({ url: `sqlite:${join(dir, 'plans.db')}`, logger: silentLogger }), /TEMP B-TREE/, /^SCAN lineage_edges$/m);
const schema = useFreshPostgresSchema();
describePlans('PostgreSQL', () => createSqlDialect({ url: testPostgresUrl, schema, logger: silentLogger }), /\bSort\b/, /Seq Scan/);
