import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Logger } from '@loam/core';
import { createPostgresDialect } from '../dialects/postgres.js';
import { holdTable } from '../postgres-lock.test-support.js';
import { testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { experimentMigrator, migrateExperiments } from './experiment-migrations.js';

// A store's statement timeout (60 s in production) bounds requests, not a migration that rebuilds a
// table: experiments:0004 copies mlflow_metrics in one INSERT … SELECT DISTINCT and builds its unique
// index in one statement, each proportional to the table (15M points outlast 60 s). Here one of its
// statements (dropping the old table) is held past the timeout by a reader's lock, for as long as the
// test says, so the proof does not rest on how fast the machine copies a table: with the timeout scaled
// down to 200 ms, the Migrator's own bookkeeping (Kysely reads every table's columns of the database to
// find its tables) and the count below were cut on a loaded machine instead.
const schema = useFreshPostgresSchema();
const POINTS = 60_000;
const STATEMENT_TIMEOUT_MS = 3_000;

it('experiments:0004 completes though one of its statements waits past the statement timeout, and says it is rebuilding first', async () => {
  const fill = await createPostgresDialect({ url: testPostgresUrl, schema });
  try {
    await fill.prepare();
    const { error } = await (await experimentMigrator(fill)).migrateTo('experiments:0003:id-counters');
    if (error !== undefined) throw error;
    // 20 runs × 10 keys, each point once; every tenth point also stored twice (a retried batch).
    await sql`insert into mlflow_metrics (run_key, key, step, timestamp, value, is_nan)
      select 1 + (g % 20), 'metric_' || ((g / 20) % 10), g / 200, 1700000000000 + g, g * 0.5, 0 from generate_series(0::bigint, ${POINTS - 1}::bigint) g
      union all select 1 + (g % 20), 'metric_' || ((g / 20) % 10), g / 200, 1700000000000 + g, g * 0.5, 0 from generate_series(0::bigint, ${POINTS - 1}::bigint, 10) g`.execute(fill.db);
  } finally {
    await fill.destroy();
  }
  const lines: { fields: object; message: string }[] = [];
  const log: Logger = { debug() {}, info: (fields, message) => void lines.push({ fields, message }), warn() {}, error() {}, child: () => log };
  // A reader's transaction holds mlflow_metrics (ACCESS SHARE): the migration's copy reads past it, its
  // DROP TABLE waits for it.
  const reader = await holdTable(schema, 'mlflow_metrics', 'access share');
  const d = await createPostgresDialect({ url: testPostgresUrl, schema, statementTimeoutMs: STATEMENT_TIMEOUT_MS });
  try {
    const migrated = migrateExperiments(d, log).then(() => undefined, (e: unknown) => e);
    // Until the DROP has waited the statement timeout and a second more (PostgreSQL's own clock): a
    // bounded statement would have been cancelled by then, and the migration failed.
    await reader.waitedOnFor('drop table%mlflow_metrics%', STATEMENT_TIMEOUT_MS + 1_000, migrated);
    await reader.release();
    expect(await migrated).toBeUndefined();
    const [{ n }] = (await sql<{ n: number }>`select count(*)::int as n from mlflow_metrics`.execute(d.db)).rows as [{ n: number }];
    expect(n).toBe(POINTS);
    // The rebuild is announced before it starts, with the size that explains the wait.
    const rebuild = lines.findIndex((l) => /rebuilding mlflow_metrics/.test(l.message));
    const applied = lines.findIndex((l) => (l.fields as { migration?: string }).migration === 'experiments:0004:unique-metric-points');
    expect(lines[rebuild]?.fields).toMatchObject({ table: 'mlflow_metrics', rows: POINTS + POINTS / 10 });
    expect(rebuild).toBeLessThan(applied);
    // The pool's timeout still bounds every other statement once the migration committed.
    await expect(sql`select pg_sleep(${STATEMENT_TIMEOUT_MS / 1000 + 2})`.execute(d.db)).rejects.toMatchObject({ code: 'ServiceUnavailable', message: expect.stringMatching(/57014/) });
  } finally {
    await reader.release();
    await d.destroy();
  }
}, 180_000);
