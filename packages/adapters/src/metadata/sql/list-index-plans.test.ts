import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNextToken, jobsCollection, lineageArtifactsCollection, silentLogger, type CollectionSpec, type ListQuery } from '@loam/core';
import { createSqlDialect } from './dialects/registry.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { layoutOf } from './collection-layout.js';
import { planList } from './list-query.js';
import { migrate } from './migrations.js';
import { listPageQuery } from './sql-collection.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

/*
 * The plans of the listings a team's store answers most: a page of training jobs by creation time (or
 * name) and the lineage recorder's prefix lookup. Each must come from an index, not from reading and
 * sorting every record: with 20,000 jobs every ListTrainingJobs page sorted all of them (documents
 * included), and every new artifact read every artifact.
 */
type Doc = Record<string, string | number>;
const specs = [jobsCollection, lineageArtifactsCollection] as unknown as CollectionSpec<unknown>[];
const layouts = new Map(specs.map((s) => [s.name, layoutOf(s)]));

async function planText(d: SqlDialect, table: string, q: ListQuery<Doc>, priceOutSorts = true): Promise<string> {
  const layout = layouts.get(table)!;
  const c = listPageQuery(d.db, layout, planList(d, layout, q)).compile();
  if (d.label.startsWith('sqlite')) {
    const r = await d.db.executeQuery(CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]));
    return (r.rows as { detail: string }[]).map((x) => x.detail).join('\n');
  }
  // With sorting and full scans priced out, a plan still holds them only if no index can serve the query.
  return d.db.transaction().execute(async (tx) => {
    if (priceOutSorts) await sql`set local enable_sort = off`.execute(tx);
    await sql`set local enable_seqscan = off`.execute(tx);
    const r = await tx.executeQuery(CompiledQuery.raw(`explain ${c.sql}`, [...c.parameters]));
    return (r.rows as Record<string, string>[]).map((x) => Object.values(x)[0]).join('\n');
  });
}

const training = { field: 'kind', op: 'eq', value: 'training-job' } as const;
const queries: [string, string, ListQuery<Doc>][] = [
  ['training jobs by CreationTime Descending', 'jobs', { filters: [training], sortBy: 'creationTime', sortOrder: 'Descending', maxResults: 10 }],
  ['training jobs by CreationTime Ascending, after a token', 'jobs', { filters: [training], sortBy: 'creationTime', sortOrder: 'Ascending', maxResults: 10, nextToken: encodeNextToken({ after: '5', name: 'training-job/x' }) }],
  ['training jobs with a status, by CreationTime', 'jobs', { filters: [training, { field: 'status', op: 'eq', value: 'Failed' }], sortBy: 'creationTime', sortOrder: 'Descending', maxResults: 10 }],
  ['training jobs by Name', 'jobs', { filters: [training], sortBy: 'name', sortOrder: 'Ascending', maxResults: 10 }],
];

function describePlans(name: string, open: () => Promise<SqlDialect>, sorts: RegExp, scans: RegExp): void {
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
      const rows = Array.from({ length: 5000 }, (_, i) => ({ pk: `arn:a/${i}`, doc: '{}', version: 1, ix_uri: `s3://b/out/job-${i}/model.tar.gz`, ix_createdAt: i }));
      for (let i = 0; i < rows.length; i += 500) await db.db.insertInto('lineage_artifacts' as never).values(rows.slice(i, i + 500) as never).execute();
      await sql`analyze lineage_artifacts`.execute(db.db);
      const plan = await planText(db, 'lineage_artifacts', { filters: [{ field: 'uri', op: 'prefix', value: 's3://b/out/job-7/' }], maxResults: 1000 }, false);
      expect(plan).toMatch(/lineage_artifacts__uri/);
      expect(plan).not.toMatch(scans);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'loam-plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describePlans('SQLite', () => createSqlDialect({ url: `sqlite:${join(dir, 'plans.db')}`, logger: silentLogger }), /TEMP B-TREE/, /^SCAN (jobs|lineage_artifacts)$/m);
const schema = useFreshPostgresSchema();
describePlans('PostgreSQL', () => createSqlDialect({ url: testPostgresUrl, schema, logger: silentLogger }), /\bSort\b/, /Seq Scan/);
