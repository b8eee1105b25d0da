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
describe('experiment store upgrade on SQLite file', () => upgradeTests(`sqlite:${join(dir, 'experiments.db')}`, undefined));
describe('experiment store upgrade on PostgreSQL', () => upgradeTests(testPostgresUrl, useFreshPostgresSchema()));

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

function upgradeTests(url: string, schema: string | undefined): void {
  const target = { url, ...(schema ? { schema } : {}) };

  it('a data directory written by the first schema opens with its runs, params, tags and metrics intact', async () => {
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
      const C = 'c'.repeat(32);
      await s.createRun({ info: { runId: C, experimentId: '1', runName: 'run-3', userId: 'ana', status: 'RUNNING', startTime: 300, lifecycleStage: 'active', artifactUri: 'x' }, tags: [{ key: 'team', value: 'speech' }] });
      expect((await s.getRun(C))?.tags).toEqual([{ key: 'team', value: 'speech' }]);
      expect((await s.getRun(B))?.tags).toEqual([{ key: 'team', value: 'nlp' }]);
    } finally {
      await s.close();
    }
  });
}
