import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@loam/core';
import { createSqlDialect } from '../dialects/registry.js';
import { testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { experimentMigrator } from './experiment-migrations.js';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-exp-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Each test upgrades a database of its own: a file, or a schema.
type Target = { readonly url: string; readonly schema?: string };
describe('experiment store upgrade on SQLite file', () => upgradeTests((n) => ({ url: `sqlite:${join(dir, `${n}.db`)}` })));
describe('experiment store upgrade on PostgreSQL', () => {
  const schemas = { first: useFreshPostgresSchema(), copies: useFreshPostgresSchema() };
  upgradeTests((n) => ({ url: testPostgresUrl, schema: schemas[n] }));
});

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

function upgradeTests(database: (test: 'first' | 'copies') => Target): void {
  it('a data directory written by the first schema opens with its runs, params, tags and metrics intact', async () => {
    const target = database('first');
    // The first schema, as an earlier release left it: params, tags and latest metrics keyed by run id.
    const d = await createSqlDialect(target);
    try {
      await d.prepare();
      const { error } = await (await experimentMigrator(d)).migrateTo('experiments:0001:tables');
      if (error !== undefined) throw error;
      await sql`insert into mlflow_experiments values (1, 'old', 'mlflow-artifacts:/1', 'active', 5, 5)`.execute(d.db);
      for (const [id, key, start] of [[A, 1, 100], [B, 2, 200]] as const) {
        await sql`insert into mlflow_runs (run_id, run_key, experiment_id, run_name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_time)
          values (${id}, ${key}, 1, ${`run-${key}`}, 'ana', 'FINISHED', ${start}, null, 'active', 'x', null)`.execute(d.db);
        await sql`insert into mlflow_params (run_id, key, value) values (${id}, 'lr', ${`0.${key}`})`.execute(d.db);
        await sql`insert into mlflow_tags (run_id, key, value) values (${id}, 'team', ${key === 1 ? 'nlp' : 'vision'})`.execute(d.db);
        await sql`insert into mlflow_latest_metrics (run_id, key, step, timestamp, value, is_nan) values (${id}, 'rmse', 3, 7, ${key / 10}, 0)`.execute(d.db);
        await sql`insert into mlflow_metrics (run_key, key, step, timestamp, value, is_nan) values (${key}, 'rmse', 3, 7, ${key / 10}, 0)`.execute(d.db);
      }
    } finally {
      await d.destroy();
    }

    const s = await openSqlExperimentStore({ ...target, logger: silentLogger });
    try {
      expect(await s.getRun(A)).toMatchObject({
        params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'team', value: 'nlp' }], metrics: [{ key: 'rmse', value: 0.1, step: 3, timestamp: 7 }],
      });
      const search = async (filter: Parameters<typeof s.searchRuns>[0]['filter'], ascending = true) =>
        (await s.searchRuns({ experimentIds: ['1'], view: 'ACTIVE_ONLY', filter, orderBy: [{ kind: 'metric', key: 'rmse', ascending }], offset: 0, limit: 10 })).map((r) => r.info.runId);
      expect(await search([])).toEqual([A, B]);
      expect(await search([], false)).toEqual([B, A]);
      expect(await search([{ kind: 'metric', key: 'rmse', op: '>', value: 0.15 }])).toEqual([B]);
      expect(await search([{ kind: 'param', key: 'lr', op: '=', value: '0.1' }, { kind: 'tag', key: 'team', op: 'LIKE', value: 'nl%' }])).toEqual([A]);
      // Writing after the upgrade: a param keeps its value, a new metric point becomes the latest.
      await expect(s.logBatch(B, { params: [{ key: 'lr', value: '0.9' }] })).rejects.toMatchObject({ code: 'ValidationException' });
      await s.logBatch(B, { metrics: [{ key: 'rmse', value: 0.05, step: 4, timestamp: 8 }], tags: [{ key: 'team', value: 'nlp' }] });
      expect(await search([{ kind: 'tag', key: 'team', op: '=', value: 'nlp' }])).toEqual([B, A]);
      expect(await s.metricHistory(B, 'rmse', { offset: 0, limit: 10 })).toEqual([
        { key: 'rmse', value: 0.2, step: 3, timestamp: 7 }, { key: 'rmse', value: 0.05, step: 4, timestamp: 8 },
      ]);
      expect(await s.deleteRunTag(A, 'team')).toBe(true);
      expect((await s.getRun(A))?.tags).toEqual([]);
      // New ids continue after the old ones.
      expect(await s.createExperiment({ name: 'new', artifactRoot: 'r:', tags: [], time: 9 })).toBe('2');
      // The old experiment's location was keyed by the upgrade (experiments:0005), as a new one's is when created.
      expect((await s.experimentsByArtifactLocation(['mlflow-artifacts:/1', 's3://loam-mlflow/mlflow/1'])).map((e) => [e.experimentId, e.name])).toEqual([['1', 'old']]);
      // And its head for the prefix index (experiments:0010).
      expect((await s.experimentsByArtifactLocationPrefix('mlflow-artifacts:/')).map((e) => [e.experimentId, e.name])).toEqual([['1', 'old']]);
      const C = 'c'.repeat(32);
      await s.createRun({ info: { runId: C, experimentId: '1', runName: 'run-3', userId: 'ana', status: 'RUNNING', startTime: 300, lifecycleStage: 'active', artifactUri: 'x' }, tags: [{ key: 'team', value: 'speech' }] });
      expect((await s.getRun(C))?.tags).toEqual([{ key: 'team', value: 'speech' }]);
      expect((await s.getRun(B))?.tags).toEqual([{ key: 'team', value: 'nlp' }]);
    } finally {
      await s.close();
    }
  });

  it('a store holding copies of metric points (retried batches) keeps each distinct point once, then skips a point sent again', async () => {
    const target = database('copies');
    const d = await createSqlDialect(target);
    const D = 'd'.repeat(32);
    const E = 'e'.repeat(32);
    try {
      await d.prepare();
      const { error } = await (await experimentMigrator(d)).migrateTo('experiments:0003:id-counters');
      if (error !== undefined) throw error;
      await sql`insert into mlflow_experiments values (7, 'copies', 'mlflow-artifacts:/7', 'active', 5, 5)`.execute(d.db);
      for (const [id, key] of [[D, 10], [E, 11]] as const) {
        await sql`insert into mlflow_runs (run_id, run_key, experiment_id, run_name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_time)
          values (${id}, ${key}, 7, ${`run-${key}`}, 'ana', 'RUNNING', 1, null, 'active', 'x', null)`.execute(d.db);
      }
      // (step, timestamp, value, is_nan) rows as the old store appended them: a batch of three sent twice
      // (the NaN point once with a value other than 0), a point sent three times, and points that each
      // differ from (0, 1, 1, 0) in one field, a 0 beside the NaN among them.
      const rows: [number, number, number, string, number, number, number][] = [
        ...[0, 1].flatMap(() => [[10, 0, 1, 'loss', 0.5, 0] as const, [10, 1, 2, 'loss', 0.25, 0] as const]),
        [10, 2, 3, 'n', 0, 1], [10, 2, 3, 'n', 0, 1], [10, 2, 3, 'n', 5, 1], [10, 2, 3, 'n', 0, 0],
        [10, 0, 1, 'm', 1, 0], [10, 0, 1, 'm', 1, 0], [10, 0, 1, 'm', 1, 0],
        [10, 0, 1, 'm', 2, 0], [10, 0, 2, 'm', 1, 0], [10, 1, 1, 'm', 1, 0], [10, 0, 1, 'm', -Infinity, 0],
        // The same point in another run is that run's own.
        [11, 0, 1, 'loss', 0.5, 0], [11, 0, 1, 'loss', 0.5, 0],
      ].map(([k, step, ts, key, value, nan]) => [k, step, ts, key, value, nan, 0] as [number, number, number, string, number, number, number]);
      for (const [k, step, ts, key, value, nan] of rows) {
        await sql`insert into mlflow_metrics (run_key, key, step, timestamp, value, is_nan) values (${k}, ${key}, ${step}, ${ts}, ${value}, ${nan})`.execute(d.db);
      }
      await sql`insert into mlflow_latest_metrics (run_key, key, step, timestamp, value, is_nan) values (10, 'loss', 1, 2, 0.25, 0), (10, 'n', 2, 3, 0, 0), (10, 'm', 1, 1, 1, 0), (11, 'loss', 0, 1, 0.5, 0)`.execute(d.db);
    } finally {
      await d.destroy();
    }

    const s = await openSqlExperimentStore({ ...target, logger: silentLogger });
    try {
      const history = async (run: string, key: string) => (await s.metricHistory(run, key, { offset: 0, limit: 100 })).map((m) => [m.step, m.timestamp, m.value]);
      expect(await history(D, 'loss')).toEqual([[0, 1, 0.5], [1, 2, 0.25]]);
      expect(await history(D, 'n')).toEqual([[2, 3, 0], [2, 3, NaN]]);
      expect(await history(D, 'm')).toEqual([[0, 1, -Infinity], [0, 1, 1], [0, 1, 2], [0, 2, 1], [1, 1, 1]]);
      expect(await history(E, 'loss')).toEqual([[0, 1, 0.5]]);
      expect((await s.getRun(D))?.metrics).toEqual([
        { key: 'loss', value: 0.25, timestamp: 2, step: 1 }, { key: 'm', value: 1, timestamp: 1, step: 1 }, { key: 'n', value: 0, timestamp: 3, step: 2 },
      ]);
      // Sent again after the upgrade: skipped; a new point is added.
      await s.logBatch(D, { metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 0 }, { key: 'n', value: NaN, timestamp: 3, step: 2 }, { key: 'loss', value: 0.125, timestamp: 3, step: 2 }] });
      expect(await history(D, 'loss')).toEqual([[0, 1, 0.5], [1, 2, 0.25], [2, 3, 0.125]]);
      expect(await history(D, 'n')).toEqual([[2, 3, 0], [2, 3, NaN]]);
    } finally {
      await s.close();
    }
  });
}
