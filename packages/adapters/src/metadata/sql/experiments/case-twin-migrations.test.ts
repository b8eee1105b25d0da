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

// A store written before names were case-insensitive may hold experiments, trials and trial components whose
// names differ only in case (MLflow's `Foo` and `foo`; trials and components made before experiments:0007).
// Its upgrade built unique indexes on lower(name) and failed on them, every start the same way. It renames
// all but one of each group now, and opens.

const dir = mkdtempSync(join(tmpdir(), 'loam-exp-twins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A database of each attempt's own (CI retries a failed test once): a retry upgrades a store written as old.
describe('experiment store upgrade with case twins on SQLite file', () => twinTests((attempt) => ({ url: `sqlite:${join(dir, `twins-${attempt}.db`)}` })));
describe('experiment store upgrade with case twins on PostgreSQL', () => {
  const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
  twinTests((attempt) => ({ url: testPostgresUrl, schema: schemas[Math.min(attempt, 1)] as string }));
});

function twinTests(database: (attempt: number) => { readonly url: string; readonly schema?: string }): void {
  it('renames all but one of each group of twins, keeps their links, and refuses new twins', async ({ task }) => {
    const target = () => database(task.result?.retryCount ?? 0);
    const d = await createSqlDialect(target());
    try {
      await d.prepare();
      const { error } = await (await experimentMigrator(d)).migrateTo('experiments:0006:sagemaker-entities');
      if (error !== undefined) throw error;
      // The one the lower-cased ARN answered for keeps its name (and so the ARN's tags): the one named as the
      // ARN (the old resolvers looked the name up exactly first), active before deleted. foo keeps its name,
      // though Foo is older; Foo and the deleted FOO are renamed. Of BAZ and the deleted baz, BAZ keeps it.
      // The ARN lower-cases ASCII letters only: lab-É is named as its ARN (lab-é is not), so it keeps its name.
      const twins = [[1, 'FOO', 'deleted'], [2, 'Foo', 'active'], [3, 'foo', 'active'], [4, 'bar', 'active'], [5, 'BAZ', 'active'], [6, 'baz', 'deleted'], [7, 'Lab-É', 'active'], [8, 'lab-É', 'active']] as const;
      for (const [id, name, stage] of twins) {
        await sql`insert into mlflow_experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) values (${id}, ${name}, ${`mlflow-artifacts:/${id}`}, ${stage}, 5, 5)`.execute(d.db);
      }
      for (const [runId, key] of [['a'.repeat(32), 1], ['b'.repeat(32), 2]] as const) {
        await sql`insert into mlflow_runs (run_id, run_key, experiment_id, run_name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_time)
          values (${runId}, ${key}, 4, ${`run-${key}`}, 'ana', 'FINISHED', 1, null, 'active', 'x', null)`.execute(d.db);
      }
      // The one named in lower case (the ARN's name, which the old store found exactly) keeps its name, though
      // older or younger; each is linked to the other pair's twin of its age.
      for (const [name, runId, time] of [['Train-1', 'a'.repeat(32), 10], ['train-1', 'b'.repeat(32), 20]] as const) {
        await sql`insert into sm_trial_components (name, run_id, number_params, input_artifacts, output_artifacts, creation_time, last_modified_time) values (${name}, ${runId}, '[]', '{}', '{}', ${time}, ${time})`.execute(d.db);
      }
      for (const [name, time] of [['trial-x', 30], ['Trial-X', 40]] as const) {
        await sql`insert into sm_trials (name, experiment_id, tags, creation_time, last_modified_time) values (${name}, 4, '[]', ${time}, ${time})`.execute(d.db);
      }
      await sql`insert into sm_trial_links (trial_name, component_name, creation_time) values ('trial-x', 'Train-1', 50), ('Trial-X', 'train-1', 60)`.execute(d.db);
    } finally {
      await d.destroy();
    }

    const s = await openSqlExperimentStore({ ...target(), logger: silentLogger });
    try {
      expect((await Promise.all(['1', '2', '3', '4', '5', '6', '7', '8'].map((id) => s.getExperiment(id)))).map((e) => e?.name)).toEqual(['FOO-1', 'Foo-2', 'foo', 'bar', 'BAZ', 'baz-6', 'Lab-É-7', 'lab-É']);
      expect((await s.getExperimentByNameInAnyCase('FOO'))?.experimentId).toBe('3');
      await expect(s.createExperiment({ name: 'fOO', artifactRoot: 'r:', tags: [], time: 9 })).rejects.toMatchObject({ code: 'ResourceInUse', message: expect.stringContaining("experiment 'foo'") });
      await expect(s.renameExperiment('4', 'FOO-2', 9)).rejects.toMatchObject({ code: 'ResourceInUse' });
      expect((await s.getTrialComponent('TRAIN-1'))?.name).toBe('train-1');
      expect((await s.getTrialComponent('train-1'))?.runId).toBe('b'.repeat(32));
      expect((await s.getTrialComponent('Train-1-2'))?.runId).toBe('a'.repeat(32));
      expect((await s.getTrial('TRIAL-X'))?.name).toBe('trial-x');
      const page = { sortBy: 'name', ascending: true, offset: 0, limit: 10 } as const;
      expect((await s.listTrialComponents({ ...page, trialName: 'trial-x' })).map((c) => c.name)).toEqual(['Train-1-2']);
      expect((await s.listTrialComponents({ ...page, trialName: 'Trial-X-2' })).map((c) => c.name)).toEqual(['train-1']);
      // The tags column (never used) is gone: a trial is written without it.
      await s.createTrial({ name: 'after', experimentId: '4', creationTime: 70, lastModifiedTime: 70 });
      expect((await s.getTrial('after'))?.experimentId).toBe('4');
    } finally {
      await s.close();
    }
  });
}
