import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentialsProfile } from '@loam/cli';
import { startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.test-support.js';

// Reliability recipe R5 (research/reliability.md §4): Loam's metadata and experiment stores on a
// PostgreSQL cluster of the test's own; under a stream of writes from 8 clients (~100/s here) the cluster
// is stopped with `pg_ctl stop -m immediate`, left down 3 s and started again. Writes in the gap are
// refused with a retryable 503 (never a 500, never a crash), the pool recovers within 10 s of the
// database accepting connections, and no acknowledged write is lost.
//
// Loam uses no Redis (nothing under packages/ talks to one), so there is no Redis half to this recipe.

/** Per pool: the metadata store and the experiment store each have one. */
const POOL_SIZE = 2;

interface Shot { client: number; name: string; t: number; ms: number; status: number; body: string }

describe('PostgreSQL restart mid-operation (R5)', () => {
  let pg: PrivatePostgres | undefined;
  let skip: string | undefined;
  let loam: LoamProcess | undefined;
  const dataDir = tempDataDir('loam-pg-restart-');

  beforeAll(async () => {
    const made = await startPrivatePostgres();
    if ('skip' in made) {
      skip = made.skip;
      console.warn(`[postgres-restart] skipped: ${skip}`);
      return;
    }
    pg = made.pg;
    loam = await startLoamProcess(dataDir, { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: pg.url, LOAM_METADATA__POOLSIZE: String(POOL_SIZE) });
  }, 90_000);

  afterAll(async () => {
    if (loam && loam.child.exitCode === null && loam.child.signalCode === null) {
      loam.child.kill('SIGTERM');
      await waitForExit(loam.child, 15_000).catch(() => loam!.child.kill('SIGKILL'));
    }
    pg?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('answers 503 while the database is down, recovers within 10 s, and loses no acknowledged write', async (ctx) => {
    if (skip !== undefined || !pg || !loam) return ctx.skip(skip);
    const url = loam.url;
    const token = readCredentialsProfile(loam.info.credentialsFile)!['loam_api_token']!;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // Even clients write to the metadata store (CreateUser), odd ones to the experiment store (MLflow).
    const write = (client: number, name: string) => client % 2 === 0
      ? fetch(`${url}/api/v1/users`, { method: 'POST', headers, body: JSON.stringify({ UserName: name }) })
      : fetch(`${url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers, body: JSON.stringify({ name }) });

    const t0 = Date.now();
    const attempt = t0.toString(36); // names stay new if the runner retries the test on the same server
    const shots: Shot[] = [];
    let stopAt = Number.POSITIVE_INFINITY;
    const clients = Array.from({ length: 8 }, async (_, client) => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const name = `pg-${attempt}-${client}-${i}`;
        const start = Date.now();
        let status = -1;
        let body = '';
        try {
          const r = await write(client, name);
          status = r.status;
          body = await r.text();
        } catch (e) {
          body = String(e); // the connection itself failed: the server is gone
        }
        shots.push({ client, name, t: start - t0, ms: Date.now() - start, status, body });
        await new Promise((r) => setTimeout(r, 50)); // at most ~20/s per client
      }
    });

    await new Promise((r) => setTimeout(r, 2000));
    // metadata.poolSize bounds each pool: 8 busy clients never hold more than 2 × POOL_SIZE sessions.
    const sessions = Number(pg.query("select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()"));
    const downAt = Date.now() - t0;
    pg.crash();
    await new Promise((r) => setTimeout(r, 3000));
    pg.start();
    const upAt = Date.now() - t0;
    // Run until every client has had a success after the restart (or 15 s), then 1 s more.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && new Set(shots.filter((s) => s.t >= upAt && s.status === 200).map((s) => s.client)).size < 8) {
      await new Promise((r) => setTimeout(r, 100));
    }
    stopAt = Date.now() + 1000;
    await Promise.all(clients);

    // The server never died, and nothing was a 500 or a dropped connection.
    expect(loam.child.exitCode, loam.stderr().slice(-2000)).toBeNull();
    expect(loam.child.signalCode).toBeNull();
    const failed = shots.filter((s) => s.status !== 200);
    const unexpected = failed.filter((s) => s.status !== 503).map((s) => `${s.name} @${s.t}ms: ${s.status} ${s.body.slice(0, 200)}`);
    expect(unexpected).toEqual([]);
    // The 503s are the retryable "unavailable" of each transport, with a message and no stack.
    for (const s of failed) {
      expect(s.body).toMatch(s.client % 2 === 0 ? /"code":"ServiceUnavailable"/ : /"error_code":"TEMPORARILY_UNAVAILABLE"/);
      expect(s.body).not.toMatch(/\n\s+at /);
    }
    expect(failed.length).toBeGreaterThan(0); // the outage was seen
    expect(sessions).toBeGreaterThan(0);
    expect(sessions).toBeLessThanOrEqual(2 * POOL_SIZE);
    expect(shots.filter((s) => s.t < downAt && s.status === 200).length).toBeGreaterThan(20);

    // Every client succeeds within 10 s of the database accepting connections again.
    for (let client = 0; client < 8; client++) {
      const first = shots.find((s) => s.client === client && s.t >= upAt && s.status === 200);
      expect(first, `client ${client} had no success after the restart`).toBeDefined();
      expect(first!.t - upAt, `client ${client}`).toBeLessThan(10_000);
    }

    // Nothing acknowledged is lost.
    const acked = shots.filter((s) => s.status === 200);
    const missing: string[] = [];
    for (const s of acked) {
      const r = s.client % 2 === 0
        ? await fetch(`${url}/api/v1/users/${s.name}`, { headers })
        : await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${s.name}`, { headers });
      if (r.status !== 200) missing.push(`${s.name}: ${r.status}`);
    }
    expect(missing).toEqual([]);
  }, 90_000);
});
