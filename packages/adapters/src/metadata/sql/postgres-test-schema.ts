import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';

/** The lead's `npm test` sets this; a plain `npx vitest` uses the machine's trust-auth server. */
export const testPostgresUrl = process.env['LOAM_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on the test server on a connection of its own (schema and database DDL). */
export async function adminQuery(text: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query(text);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh schema for this test file, dropped afterwards, so parallel runs never meet. An
 * unreachable server fails the tests with a message that says so; it never skips them.
 */
export function useFreshPostgresSchema(): string {
  const schema = `loam_test_${randomBytes(6).toString('hex')}`;
  const query = adminQuery;
  beforeAll(async () => {
    try {
      await query('select 1');
    } catch (e) {
      if (/Class extends value/.test((e as Error).message)) {
        // Node was started with `--conditions import`, so `pg` requires pg-pool's ES module and breaks.
        throw new Error(`The 'pg' driver cannot load in this test process: vitest passes ssr.resolve.conditions to Node as --conditions, and 'import' among them makes require('pg-pool') pick its ES module. Remove 'import' from ssr.resolve.conditions in vitest.config.ts.`);
      }
      throw new Error(`PostgreSQL at ${testPostgresUrl} is unreachable (${(e as Error).message}). Start it (pg_ctlcluster 15 main start) or set LOAM_TEST_POSTGRES_URL.`);
    }
  });
  afterAll(() => query(`drop schema if exists ${schema} cascade`));
  return schema;
}

/**
 * A fresh schema for each call (each test, each attempt of one: a retry must not find the first attempt's
 * migrations applied), all dropped after this file's tests. Call it inside a test.
 */
export function useFreshPostgresSchemas(): () => string {
  const base = useFreshPostgresSchema();
  const made: string[] = [];
  afterAll(async () => {
    for (const s of made.splice(0)) await adminQuery(`drop schema if exists "${s}" cascade`);
  });
  return () => {
    const schema = `${base}_${randomBytes(4).toString('hex')}`;
    made.push(schema);
    return schema;
  };
}
