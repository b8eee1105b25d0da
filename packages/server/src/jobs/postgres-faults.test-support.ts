import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';
import { testPostgresUrl } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { loadConfig } from '../config/index.js';
import type { TestLoam } from '../compose/loam.test-support.js';
import { openPlatform } from '../compose/platform.js';
import { buildLoamApp } from '../compose/start.js';

/** Runs one statement on the test PostgreSQL database over a connection of its own (to install a fault trigger). */
export async function sql(text: string): Promise<unknown[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return (await client.query(text)).rows as unknown[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Makes the database refuse, once, the first update of job `jobId` in `schema` whose stored document contains
 * `docContains` (SQLSTATE 57P03, cannot_connect_now: the store reads it as unavailable, to be retried). Resolves to a
 * check of whether the refusal fired. Its sequence, function and trigger are named after `tag` (one per attempt).
 */
export async function refuseJobUpdateOnce(schema: string, jobId: string, docContains: string, tag: string): Promise<() => Promise<boolean>> {
  const id = tag.replace(/[^a-z0-9]/gi, '_');
  const seq = `${schema}.fail_${id}`;
  await sql(`create sequence ${seq}`);
  await sql(`create or replace function ${seq}_fn() returns trigger language plpgsql as $$
    begin
      if new.pk = '${jobId}' and new.doc like '%${docContains}%' then
        if nextval('${seq}') = 1 then
          raise exception 'the database system is starting up' using errcode = '57P03';
        end if;
      end if;
      return new;
    end $$`);
  await sql(`create trigger ${id} before update on ${schema}.jobs for each row execute function ${seq}_fn()`);
  return async () => ((await sql(`select is_called from ${seq}`)) as { is_called: boolean }[])[0]?.is_called === true;
}

/** Polls `fn` every 100 ms until it gives a value, failing after `timeoutMs` with what it waited for. */
export async function until<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A real Loam app on the config `env` gives, in a data directory of its own, whose JSON log lines at `level` and
 * above go to `onLine`. With `startLoops` it also starts the loops `loam up` starts besides openPlatform's
 * (the job scheduler and the tuning driver, as startLoam does).
 */
export async function openLoggedLoam(o: { env: Record<string, string>; level: string; onLine: (line: unknown) => void; startLoops?: boolean }): Promise<TestLoam> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-logged-'));
  const { config } = loadConfig({ argv: { dataDir }, env: o.env, cwd: dataDir });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) o.onLine(JSON.parse(l));
      done();
    },
  });
  const platform = await openPlatform(config, pino({ level: o.level }, sink));
  const app = buildLoamApp(platform, false, () => 'http://127.0.0.1:7717');
  await app.ready();
  if (o.startLoops) {
    await platform.jobs.scheduler.start();
    platform.tuning.driver.start();
  }
  const admin = await platform.identity.bootstrapAdmin();
  if (!admin) throw new Error('bootstrap did not create the admin');
  return {
    app, platform, dataDir, adminToken: admin.apiToken, adminAccessKeyId: admin.accessKeyId, adminSecretAccessKey: admin.secretAccessKey,
    async close() {
      await app.close();
      await platform.close();
      await endDetachedJobs(config.executor.workDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
