import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, TrackingArtifacts, TrackingService, TrialComponentsService, type ActionAuthorizer, type ExperimentStore, type RequestContext } from '@loam/core';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';

/*
 * UpdateTrialComponent wrote its Parameters by deleting the keys and inserting them. On PostgreSQL an MLflow
 * log-batch logging the same new key on the component's run (here from another server sharing the database), committed after that delete, made the insert fail
 * with a unique violation: the update answered 500. The write is now an upsert: the update answers 200 and its
 * value stands, as if the log came first (MLflow's own check refuses a log that comes after with another value).
 * The log is held inside its transaction, after its param and before its tag, by a tag row another session has
 * written and not committed; it is let go once the update waits on the log's param (both seen waiting in
 * pg_stat_activity). SQLite's transactions take turns, so there the two cannot interleave.
 */
const partition = { region: 'us-east-1', accountId: '123456789012' };
const allow: ActionAuthorizer = async () => {};
const ctx = { principal: { userName: 'alice', userId: 'id-alice', arn: 'arn:loam:iam::123456789012:user/alice', via: 'token' }, requestId: 'test' } as RequestContext;
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

/**
 * Two servers on one database (their stores kept in `stores` to close): one answers the SageMaker call, the
 * other MLflow's log; a trial component whose run both write; and a session holding what the test holds. Names are each attempt's own (CI retries a
 * failed test on the same schema).
 */
async function twoServers(schema: string, stores: ExperimentStore[]) {
  const [store, other] = [await openSqlExperimentStore({ url: testPostgresUrl, schema }), await openSqlExperimentStore({ url: testPostgresUrl, schema })];
  stores.push(store, other);
  const clock = new ManualClock(1_700_000_000_000);
  const tracking = new TrackingService({ store, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
  const mlflow = new TrackingService({ store: other, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
  const components = new TrialComponentsService(tracking, allow, partition);
  const tc = `tc-${Math.random().toString(36).slice(2, 10)}`;
  await store.createExperiment({ name: `exp-${tc}`, artifactRoot: 'r:', tags: [], time: 1 });
  await components.CreateTrialComponent({ TrialComponentName: tc }, ctx);
  const runId = (await store.getTrialComponent(tc))!.runId;
  // A session of the test's own on the schema, to hold rows and locks (the caller ends it).
  const { default: pg } = await import('pg');
  const holder = new pg.Client({ connectionString: testPostgresUrl });
  await holder.connect();
  await holder.query(`set search_path to "${schema}"`);
  return { mlflow, components, tc, runId, holder };
}

describe('UpdateTrialComponent beside an MLflow log of the same new param (PostgreSQL)', () => {
  const schema = useFreshPostgresSchema();
  const stores: ExperimentStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('answers 200 and keeps its value when the log commits the key between its delete and its insert', async () => {
    const { mlflow, components, tc, runId, holder } = await twoServers(schema, stores);
    try {
      await holder.query('begin');
      await holder.query(`insert into mlflow_tags (run_key, key, value) select run_key, 'gate', 'held' from mlflow_runs where run_id = $1`, [runId]);
      // The log inserts its param, then waits on the tag row above.
      const logging = outcome(mlflow.logBatch(runId, { params: [{ key: 'lr', value: '0.2' }], tags: [{ key: 'gate', value: 'log' }] }));
      // pg_stat_activity is read afresh each time (inside a transaction it is otherwise a snapshot).
      const waiting = async () => {
        await holder.query('select pg_stat_clear_snapshot()');
        const r = await holder.query(`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and query like '%insert into mlflow_%'`);
        return Number(r.rows[0].n);
      };
      while ((await waiting()) < 1) await new Promise((r) => setTimeout(r, 20));
      // The update deletes 'lr' (the log's row is not committed: nothing to delete) and waits on it at its insert.
      const updating = outcome(components.UpdateTrialComponent({ TrialComponentName: tc, Parameters: { lr: { StringValue: '0.1' } } }, ctx));
      while ((await waiting()) < 2) await new Promise((r) => setTimeout(r, 20));
      await holder.query('rollback');
      expect(await logging).toBe('ok');
      expect(await updating).toBe('ok');
    } finally {
      await holder.end();
    }
    expect((await components.DescribeTrialComponent({ TrialComponentName: tc }, ctx)).Parameters).toEqual({ lr: { StringValue: '0.1' } });
    // MLflow's log of another value now is refused (params are immutable in MLflow); the same value is accepted.
    await expect(outcome(mlflow.logParam(runId, 'lr', '0.3'))).resolves.toBe('ValidationException');
    await expect(outcome(mlflow.logParam(runId, 'lr', '0.1'))).resolves.toBe('ok');
  });
});

/*
 * The reverse: MLflow's log-param read whether the run had the key, then inserted it. UpdateTrialComponent
 * setting that key from another server, committed in between, made the insert fail with a unique violation
 * (23505): log-param answered 500 where MLflow answers 200 for the same value and INVALID_PARAMETER_VALUE for
 * another. The update is held at its commit, its param row written, by a deferred trigger waiting on a table
 * the test locks; the log is started then (its read sees nothing committed, its insert waits on the update's
 * row), and the update is let go once the log is seen waiting behind it (pg_locks, pg_blocking_pids).
 */
describe('An MLflow log-param beside UpdateTrialComponent setting the same new param (PostgreSQL)', () => {
  const schema = useFreshPostgresSchema();
  const stores: ExperimentStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it.each([
    ['the same value: 200', '0.1', 'ok'],
    ['another value: INVALID_PARAMETER_VALUE', '0.2', 'ValidationException'],
  ])('answers as MLflow does when the update commits the key between its check and its insert — %s', async (_, logged, answer) => {
    const { mlflow, components, tc, runId, holder } = await twoServers(schema, stores);
    try {
      await holder.query(`create table if not exists test_gate (id int)`);
      await holder.query(`create or replace function test_hold_commit() returns trigger language plpgsql as $$ begin lock table test_gate in share mode; return null; end $$`);
      await holder.query(`drop trigger if exists test_hold_commit on sm_trial_components`);
      await holder.query(`create constraint trigger test_hold_commit after update on sm_trial_components deferrable initially deferred for each row execute function test_hold_commit()`);
      await holder.query('begin');
      await holder.query('lock table test_gate in exclusive mode');
      const blocked = async (query: string) => (await holder.query(query)).rows.map((r: { pid: number }) => r.pid);
      const until = async (what: () => Promise<number[]>) => {
        for (;;) {
          await holder.query('select pg_stat_clear_snapshot()');
          const pids = await what();
          if (pids.length > 0) return pids;
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      // The update writes its param, then waits at its commit on the gate.
      const updating = outcome(components.UpdateTrialComponent({ TrialComponentName: tc, Parameters: { lr: { StringValue: '0.1' } } }, ctx));
      const [updater] = await until(() => blocked(`select pid from pg_locks where relation = 'test_gate'::regclass and not granted`));
      // The log finds no committed 'lr' and waits on the update's row.
      const logging = outcome(mlflow.logParam(runId, 'lr', logged));
      await until(() => blocked(`select pid from pg_stat_activity where ${updater} = any(pg_blocking_pids(pid))`));
      await holder.query('rollback');
      expect(await updating).toBe('ok');
      expect(await logging).toBe(answer);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.query('drop trigger if exists test_hold_commit on sm_trial_components').catch(() => undefined);
      await holder.end();
    }
    expect((await components.DescribeTrialComponent({ TrialComponentName: tc }, ctx)).Parameters).toEqual({ lr: { StringValue: '0.1' } });
  });
});

/*
 * An MLflow log-param of a key the run has (with another value), skipped by its insert, read the stored value
 * afterwards: UpdateTrialComponent removing that key (ParametersToRemove), committed in between, left nothing to
 * read, and the log answered 200 with nothing stored. The log is held after its insert by a statement trigger
 * waiting on a table the test locks; the removal commits meanwhile. The log now inserts such a key again, as if it
 * came after the removal.
 */
describe('An MLflow log-param beside UpdateTrialComponent removing that param (PostgreSQL)', () => {
  const schema = useFreshPostgresSchema();
  const stores: ExperimentStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('stores the logged value when the removal commits between its insert and its read', async () => {
    const { mlflow, components, tc, runId, holder } = await twoServers(schema, stores);
    const trigger = `test_hold_param_insert_${tc.replace(/-/g, '_')}`;
    try {
      expect(await outcome(components.UpdateTrialComponent({ TrialComponentName: tc, Parameters: { lr: { StringValue: '0.1' } } }, ctx))).toBe('ok');
      await holder.query(`create table if not exists test_gate (id int)`);
      await holder.query(`create or replace function ${trigger}() returns trigger language plpgsql as $$ begin lock table test_gate in share mode; return null; end $$`);
      await holder.query(`create trigger ${trigger} after insert on mlflow_params for each statement execute function ${trigger}()`);
      await holder.query('begin');
      await holder.query('lock table test_gate in exclusive mode');
      // The log's insert (skipped: 'lr' is stored) ends, and its statement trigger waits on the gate.
      const logging = outcome(mlflow.logParam(runId, 'lr', '0.2'));
      for (;;) {
        await holder.query('select pg_stat_clear_snapshot()');
        if ((await holder.query(`select pid from pg_locks where relation = 'test_gate'::regclass and not granted`)).rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // The removal inserts nothing (the trigger is not in its way) and commits.
      expect(await outcome(components.UpdateTrialComponent({ TrialComponentName: tc, ParametersToRemove: ['lr'] }, ctx))).toBe('ok');
      await holder.query('rollback');
      expect(await logging).toBe('ok');
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.query(`drop trigger if exists ${trigger} on mlflow_params`).catch(() => undefined);
      await holder.end();
    }
    // Answered 200: the value is the run's, in MLflow and in SageMaker.
    expect((await components.DescribeTrialComponent({ TrialComponentName: tc }, ctx)).Parameters).toEqual({ lr: { StringValue: '0.2' } });
  });
});
