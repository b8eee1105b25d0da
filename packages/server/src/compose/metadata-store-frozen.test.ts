import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { startFreezableProxy, type FreezableProxy } from '@loam/testkit/net/freezable-proxy';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { call } from '../jobs/jobs.test-support.js';
import { openLoggedLoam, until } from '../jobs/postgres-faults.test-support.js';
import type { TestLoam } from './loam.test-support.js';

// A PostgreSQL that keeps its connections open but answers nothing (the process SIGSTOPped, a network
// path that stops forwarding) held every API request for as long as it lasted: TCP kept the sockets
// open, and nothing on the client side gave up on a statement. Now a request answers 503 once
// PostgreSQL answered neither its statement nor a fresh connection within metadata.answerTimeoutMs,
// and when PostgreSQL answers again requests succeed and what was acknowledged before is there. The
// fault is real: a TCP proxy between the server and PostgreSQL that stops passing bytes.

const answerTimeoutMs = 1000;
// A statement waits answerTimeoutMs, then the check waits as long again; the rest is slack for a loaded machine.
const boundMs = 2 * answerTimeoutMs + 3000;
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let schema = '';
let loam: TestLoam | undefined;
let proxy: FreezableProxy | undefined;
let lines: Array<{ level: number; msg: string; component?: string }> = [];


serverPerAttempt(
  async () => {
    schema = schemas[schemas.indexOf(schema) + 1] ?? schemas[0]!;
    const target = new URL(testPostgresUrl);
    proxy = await startFreezableProxy(target.hostname, Number(target.port || 5432));
    const url = new URL(testPostgresUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    lines = [];
    loam = await openLoggedLoam({
      env: {
        LOAM_METADATA__TYPE: 'postgres',
        LOAM_METADATA__URL: url.toString(),
        LOAM_METADATA__SCHEMA: schema,
        LOAM_METADATA__ANSWER_TIMEOUT_MS: String(answerTimeoutMs),
      },
      level: 'info',
      onLine: (l) => void lines.push(l as (typeof lines)[number]),
      startLoops: true,
    });
  },
  async () => {
    proxy?.thaw();
    await loam?.close();
    await proxy?.close();
    loam = undefined;
    proxy = undefined;
  },
);

/** `p`'s value, or a failure naming what was still pending after `ms` (the old code never answered). */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still had no answer after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a metadata store on a PostgreSQL that stops answering', () => {
  it('answers requests 503 within the bound, /healthz 503, and works again with every acknowledged write once PostgreSQL answers', async () => {
    if (!loam || !proxy) throw new Error('no server');
    const names = ['before-freeze-1', 'before-freeze-2'].map((n) => `${n}-${Date.now().toString(36)}`);
    for (const name of names) {
      const created = await call(loam, 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: name });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
    }

    const frozenAt = lines.length;
    proxy.freeze();
    const started = Date.now();
    const read = await within(boundMs, 'a read during the freeze', call(loam, 'GET', `/api/v1/model-package-groups/${names[0]}`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(answerTimeoutMs);
    expect(read.status, JSON.stringify(read.body)).toBe(503);
    expect(JSON.stringify(read.body)).toMatch(/metadata store is unavailable: PostgreSQL did not answer/);
    // Several at once, a write among them: each answers 503 within the bound, none waits for the others.
    const t1 = Date.now();
    const burst = await within(boundMs, 'requests during the freeze', Promise.all([
      call(loam, 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: `during-freeze-${Date.now().toString(36)}` }),
      ...names.map((n) => call(loam!, 'GET', `/api/v1/model-package-groups/${n}`)),
    ]));
    expect(burst.map((r) => r.status)).toEqual([503, 503, 503]);
    for (const r of burst) expect(JSON.stringify(r.body)).toMatch(/metadata store is unavailable: PostgreSQL did not answer/);
    expect(Date.now() - t1).toBeLessThan(boundMs);
    const health = await within(boundMs, '/healthz during the freeze', loam.app.inject({ method: 'GET', url: '/healthz' }));
    expect(health.statusCode).toBe(503);

    proxy.thaw();
    // The first request after the thaw may still meet a connection given up on; then every one succeeds.
    await until(async () => ((await call(loam!, 'GET', `/api/v1/model-package-groups/${names[0]}`)).status === 200 ? true : undefined), 15_000, 'a request to succeed after the thaw');
    for (const name of names) {
      const d = await call(loam, 'GET', `/api/v1/model-package-groups/${name}`);
      expect(d.status, JSON.stringify(d.body)).toBe(200);
      expect(d.body.ModelPackageGroupName).toBe(name);
    }
    const after = await call(loam, 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: `after-thaw-${Date.now().toString(36)}` });
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    expect((await loam.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    // The background loops (syncs, alarm evaluation, autoscaling) met the outage too: each warned once,
    // the store said once that PostgreSQL does not answer and once that it answers again, and nothing
    // was logged as an error.
    const during = lines.slice(frozenAt);
    expect(during.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    const warnings = during.filter((l) => l.level === 40).map((l) => `${l.component ?? ''}: ${l.msg}`);
    const told = during.filter((l) => l.level >= 30).map((l) => `${l.component ?? ''}: ${l.msg} ${JSON.stringify((l as { err?: unknown }).err ?? '')}`);
    expect(warnings.filter((w, i) => warnings.indexOf(w) !== i), told.join('\n')).toEqual([]);
    expect(warnings).toContain("metadata-store: PostgreSQL does not answer; failing the statements waiting for it");
    expect(during.filter((l) => l.component === 'metadata-store' && l.msg === 'PostgreSQL answers again')).toHaveLength(1);
  }, 60_000);
});
