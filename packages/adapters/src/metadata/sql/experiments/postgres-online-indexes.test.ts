import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type ExperimentStore } from '@loam/core';
import { createSqlDialect } from '../dialects/registry.js';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { watchingSession } from '../postgres-lock.test-support.js';
import { adminQuery, testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { experimentMigrator } from './experiment-migrations.js';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';
import { probeTraits } from './sql-like.js';
import { SqlExperimentStore } from './sql-experiment-store.js';

/*
 * experiments:0012 built its indexes with a plain CREATE INDEX in the Migrator's transaction: on PostgreSQL every
 * write to sm_trials (CreateTrial, UpdateTrial, from the servers still running while one upgrades) waited until
 * the build over the whole table, and every migration after it, committed. A table with rows now gets its indexes
 * from CREATE INDEX CONCURRENTLY after the Migrator (SqlDialect.buildIndexesOnline), and writes go on. Such a build
 * interrupted leaves an INVALID index (its catalog entry is committed first); the next start drops it and builds
 * it again. The build is held by a transaction the test keeps open on the table (a concurrent build waits for the
 * table's writers), and is killed there as a crash would end it.
 */
describe('experiments:0012 on a PostgreSQL table with rows (online index build)', () => {
  const schema = useFreshPostgresSchema();
  const closing: { close(): Promise<unknown> }[] = [];
  const schemas: string[] = [];
  afterAll(async () => {
    for (const c of closing) await c.close().catch(() => undefined);
    for (const s of schemas) await adminQuery(`drop schema if exists "${s}" cascade`);
  });

  /**
   * A schema of its own for each attempt (a retried attempt would find 0012 applied), at experiments:0011 with a
   * trial written by the servers still running the version before 0012; and a session of the test's own on it,
   * reading pg_stat_activity afresh, polling until a query finds rows, and listing sm_trials' time indexes.
   */
  async function storeBefore0012() {
    const own = `${schema}_${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(own);
    const older: SqlDialect = await createSqlDialect({ url: testPostgresUrl, schema: own, logger: silentLogger });
    closing.push({ close: () => older.destroy() });
    await older.prepare();
    const before = await (await experimentMigrator(older)).migrateTo('experiments:0011:component-time-indexes');
    if (before.error !== undefined) throw before.error;
    const store: ExperimentStore = new SqlExperimentStore(older, await probeTraits(older));
    const experimentId = await store.createExperiment({ name: 'exp', artifactRoot: 'r:', tags: [], time: 1 });
    const trial = (name: string, time: number) => store.createTrial({ name, experimentId, creationTime: time, lastModifiedTime: time });
    await trial('first', 1);
    const watching = await watchingSession(own);
    const { fresh } = watching;
    closing.push(watching);
    const indexes = () => fresh<{ name: string; valid: boolean }>(`select c.relname as name, i.indisvalid as valid from pg_class c join pg_index i on i.indexrelid = c.oid
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${own}' and c.relname in ('sm_trials_by_creation', 'sm_trials_by_last_modified') order by 1`);
    return { ...watching, own, experimentId, trial, indexes };
  }

  it('writes to sm_trials go on while the index is built; a build killed midway leaves an INVALID index, dropped and built again at the next start', async () => {
    const { own, experimentId, trial, holder, indexes, indexBuildWaiting, writeBlockedBy, backendGone } = await storeBefore0012();
    // A write of the table held open: the build waits for it (a concurrent build waits for the table's writers).
    await holder.query('begin');
    await holder.query(`update sm_trials set last_modified_time = 2 where name = 'first'`);
    const upgrading = openSqlExperimentStore({ url: testPostgresUrl, schema: own }).then((s) => {
      closing.push(s);
      return 'opened';
    }, (e: Error) => e.message);
    // The upgrading server's build waits on the held write, its index already in the catalog (INVALID until built).
    const builder = await indexBuildWaiting('sm_trials', 'sm_trials');
    // Another server's trial write meanwhile: answered, not queued behind the build (a plain CREATE INDEX's ShareLock).
    const writing = trial('during-the-build', 3).then(() => 'written', (e: Error) => e.message);
    const stuck = (async () => {
      // The write waiting on a lock is the failure: with a plain build it waits as long as the build does.
      await writeBlockedBy('sm_trials', builder);
      return 'the trial write waits for the index build';
    })();
    try {
      expect(await Promise.race([writing, stuck])).toBe('written');
      // A crash mid-build: the build's connection ends.
      await holder.query('select pg_terminate_backend($1)', [builder]);
      expect(await upgrading).not.toBe('opened');
      expect((await indexes()).filter((x) => !x.valid).length).toBeGreaterThan(0);
    } finally {
      await holder.query('rollback');
    }
    // Gone, its session's locks with it (a start finding the build's lock held leaves the build to its holder):
    // its client may hear of the end before the process has released them.
    await backendGone(builder);

    // The next start drops the INVALID index and builds both; lists read them.
    const again = await openSqlExperimentStore({ url: testPostgresUrl, schema: own });
    closing.push(again);
    expect(await indexes()).toEqual([{ name: 'sm_trials_by_creation', valid: true }, { name: 'sm_trials_by_last_modified', valid: true }]);
    expect((await again.listTrials({ experimentId, sortBy: 'lastModifiedTime', ascending: true, offset: 0, limit: 10 })).map((t) => t.name)).toEqual(['first', 'during-the-build']);
  });
  /*
   * The build held its session's lock, the migrations' (pg_advisory_lock), while it ran; a second server starting
   * meanwhile waited for that lock in a statement, which holds a snapshot, and a concurrent build waits for every
   * transaction with a snapshot older than its own: each waited for the other, PostgreSQL found the deadlock and
   * failed one of the two starts (40P01). Every server of a rolling upgrade also waited for the one build. The
   * lock is now the builds' own, which no Migrator waits for in its transaction, and a second server finding it
   * held starts at once, leaving the build to the first.
   */
  it('a second server starting while the first builds starts without waiting for the build, and neither deadlocks', async () => {
    const { own, holder, fresh, until, indexes, stop } = await storeBefore0012();
    const opened = (s: Promise<ExperimentStore>) => s.then((x) => {
      closing.push(x);
      return 'opened';
    }, (e: Error) => e.message);
    // A held write of sm_trials keeps the first server's build waiting, its index INVALID in the catalog.
    await holder.query('begin');
    await holder.query(`update sm_trials set last_modified_time = 2 where name = 'first'`);
    const first = opened(openSqlExperimentStore({ url: testPostgresUrl, schema: own }));
    const [{ pid: builder }] = (await until(() => fresh<{ pid: number }>(`select pid from pg_stat_activity where query ilike 'create index concurrently%sm_trials%'
      and state = 'active' and pid in (select pid from pg_locks where relation = '"${own}".sm_trials'::regclass)`))) as [{ pid: number }];
    // A server waiting on a lock the builder's session holds (before: the second start, another schema's Migrator).
    const behindTheBuild = async (who: string) => {
      await until(() => fresh(`select pid from pg_locks where locktype = 'advisory' and not granted and ${builder} = any(pg_blocking_pids(pid))`));
      return `${who} waits for the build`;
    };
    // The second server finds the index INVALID, the first building it: it starts meanwhile.
    const second = opened(openSqlExperimentStore({ url: testPostgresUrl, schema: own }));
    expect(await Promise.race([second, behindTheBuild('the second server')])).toBe('opened');
    // Another deployment's schema in the same database migrates meanwhile: it did wait, in its Migrator's
    // transaction, for the migrations' lock the build held (and would have deadlocked with it as well).
    const other = `${own}_other`;
    schemas.push(other);
    const elsewhere = opened(openSqlExperimentStore({ url: testPostgresUrl, schema: other }));
    expect(await Promise.race([elsewhere, behindTheBuild("the other schema's migration")])).toBe('opened');
    // The write ends: the first's build goes on, and waits for the transactions older than it.
    await holder.query('rollback');
    expect(await first).toBe('opened');
    stop();
    expect(await indexes()).toEqual([{ name: 'sm_trials_by_creation', valid: true }, { name: 'sm_trials_by_last_modified', valid: true }]);
  });
});
