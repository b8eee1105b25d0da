import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type ExperimentStore } from '@loam/core';
import { createSqlDialect } from '../dialects/registry.js';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { queryPlanText } from '../query-plan.test-support.js';
import { testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { experimentMigrator, migrateExperiments } from './experiment-migrations.js';
import { componentListQuery, trialListQuery } from './sql-sagemaker-entities.js';

/*
 * experiments:0011 indexes trial components, and experiments:0012 trials, by (last_modified_time, name) and
 * (creation_time, name): Search's default sort (LastModifiedTime), ListTrialComponents' and ListTrials' pages read
 * a range of an index from their keyset position, where they read and sorted every row. Checked on a store
 * upgraded from experiments:0010 holding components and trials.
 */
type Query = Parameters<ExperimentStore['listTrialComponents']>[0];
type Listing = 'components' | 'trials';
const listQuery = (db: SqlDialect['db'], listing: Listing, q: Query) => (listing === 'components' ? componentListQuery(db, q) : trialListQuery(db, q));
const queries: [Listing, string, Query, RegExp][] = [
  ['components', 'by LastModifiedTime Descending (Search\'s default), first page', { sortBy: 'lastModifiedTime', ascending: false, offset: 0, limit: 200 }, /sm_trial_components_by_last_modified/],
  ['components', 'by LastModifiedTime Descending, after a position', { sortBy: 'lastModifiedTime', ascending: false, after: { time: 1_700_000_500_000, name: 'tc-0500' }, offset: 0, limit: 200 }, /sm_trial_components_by_last_modified/],
  ['components', 'by CreationTime Ascending, after a position', { sortBy: 'creationTime', ascending: true, after: { time: 1_700_000_500_000, name: 'tc-0500' }, offset: 0, limit: 200 }, /sm_trial_components_by_creation/],
  ['trials', 'by LastModifiedTime Descending (Search\'s default), first page', { sortBy: 'lastModifiedTime', ascending: false, offset: 0, limit: 200 }, /sm_trials_by_last_modified/],
  ['trials', 'by LastModifiedTime Ascending, after a position', { sortBy: 'lastModifiedTime', ascending: true, after: { time: 1_700_000_500_000, name: 'tc-0500' }, offset: 0, limit: 200 }, /sm_trials_by_last_modified/],
  ['trials', 'by CreationTime Descending (ListTrials\' default), after a position', { sortBy: 'creationTime', ascending: false, after: { time: 1_700_001_500_000, name: 'tc-1500' }, offset: 0, limit: 200 }, /sm_trials_by_creation/],
];

const planText = (d: SqlDialect, listing: Listing, q: Query): Promise<string> => queryPlanText(d, listQuery(d.db, listing, q).compile());

function describePlans(name: string, open: () => Promise<SqlDialect>, sorts: RegExp, scans: RegExp): void {
  describe(`trial and trial component listing plans after experiments:0012 (${name})`, () => {
    let d: SqlDialect | undefined;
    const upgraded = async (): Promise<SqlDialect> => {
      if (d !== undefined) return d;
      d = await open();
      await d.prepare();
      const migrator = await experimentMigrator(d);
      const before = await migrator.migrateTo('experiments:0010:artifact-location-heads');
      if (before.error !== undefined) throw before.error;
      // 2,000 components (no runs: the plan is the listing's), analysed, as a store's would be.
      const rows = Array.from({ length: 2000 }, (_, i) => ({
        name: `tc-${String(i).padStart(4, '0')}`, run_id: `run-${i}`, number_params: '[]', input_artifacts: '{}', output_artifacts: '{}',
        creation_time: 1_700_000_000_000 + i * 1000, last_modified_time: 1_700_000_000_000 + ((i * 7919) % 2000) * 1000,
      }));
      for (let i = 0; i < rows.length; i += 250) await d.db.insertInto('sm_trial_components' as never).values(rows.slice(i, i + 250) as never).execute();
      // And 2,000 trials of one experiment, their times as the components'.
      const trials = rows.map((r) => ({ name: r.name, experiment_id: 1, creation_time: r.creation_time, last_modified_time: r.last_modified_time }));
      for (let i = 0; i < trials.length; i += 250) await d.db.insertInto('sm_trials' as never).values(trials.slice(i, i + 250) as never).execute();
      // As a start migrates (on PostgreSQL the indexes of tables with rows are built online, after the Migrator).
      await migrateExperiments(d, silentLogger);
      await sql`analyze sm_trial_components`.execute(d.db);
      await sql`analyze sm_trials`.execute(d.db);
      return d;
    };
    afterAll(async () => d?.destroy());
    for (const [listing, what, q, index] of queries) {
      it(`${listing} ${what}: a range of the index, never sorted`, async () => {
        const db = await upgraded();
        const plan = await planText(db, listing, q);
        expect(plan).toMatch(index);
        expect(plan).not.toMatch(sorts);
        expect(plan).not.toMatch(scans);
        // And the rows are the page after the position, in the order.
        const rows = (await listQuery(db.db, listing, q).execute()) as { name: string; creation_time: number; last_modified_time: number }[];
        const time = (r: (typeof rows)[number]) => Number(q.sortBy === 'creationTime' ? r.creation_time : r.last_modified_time);
        expect(rows).toHaveLength(200);
        const sign = q.ascending ? 1 : -1;
        const before = (a: { t: number; n: string }, b: { t: number; n: string }) => sign * (a.t - b.t || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0)) < 0;
        const keyed = rows.map((r) => ({ t: time(r), n: r.name }));
        keyed.slice(1).forEach((r, i) => expect(before(keyed[i] as { t: number; n: string }, r)).toBe(true));
        if (q.after) expect(before({ t: q.after.time as number, n: q.after.name }, keyed[0] as { t: number; n: string })).toBe(true);
      });
    }
  });
}

const dir = mkdtempSync(join(tmpdir(), 'loam-component-plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describePlans('SQLite', () => createSqlDialect({ url: `sqlite:${join(dir, 'plans.db')}`, logger: silentLogger }), /TEMP B-TREE/, /^SCAN (c|t|sm_trial_components|sm_trials)$/m);
const schema = useFreshPostgresSchema();
describePlans('PostgreSQL', () => createSqlDialect({ url: testPostgresUrl, schema, logger: silentLogger }), /\bSort\b/, /Seq Scan/);
