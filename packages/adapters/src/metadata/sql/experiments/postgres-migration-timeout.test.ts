import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Logger } from '@loam/core';
import { createPostgresDialect } from '../dialects/postgres.js';
import { testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { experimentMigrator, migrateExperiments } from './experiment-migrations.js';

// A store's statement timeout (60 s in production) bounds requests, not a migration that rebuilds a
// table: experiments:0004 copies mlflow_metrics in one INSERT … SELECT DISTINCT and builds its unique
// index in one statement, each proportional to the table (15M points outlast 60 s). Here the timeout
// is scaled down with the table.
const schema = useFreshPostgresSchema();
const POINTS = 600_000;

it('experiments:0004 completes on a table whose rebuild outlasts the statement timeout, and says it is rebuilding first', async () => {
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
  const d = await createPostgresDialect({ url: testPostgresUrl, schema, statementTimeoutMs: 200 });
  try {
    await migrateExperiments(d, log);
    const [{ n }] = (await sql<{ n: number }>`select count(*)::int as n from mlflow_metrics`.execute(d.db)).rows as [{ n: number }];
    expect(n).toBe(POINTS);
    // The rebuild is announced before it starts, with the size that explains the wait.
    const rebuild = lines.findIndex((l) => /rebuilding mlflow_metrics/.test(l.message));
    const applied = lines.findIndex((l) => (l.fields as { migration?: string }).migration === 'experiments:0004:unique-metric-points');
    expect(lines[rebuild]?.fields).toMatchObject({ table: 'mlflow_metrics', rows: POINTS + POINTS / 10 });
    expect(rebuild).toBeLessThan(applied);
    // The pool's timeout still bounds every other statement once the migration committed.
    await expect(sql`select pg_sleep(1)`.execute(d.db)).rejects.toMatchObject({ code: 'ServiceUnavailable' });
  } finally {
    await d.destroy();
  }
}, 180_000);
