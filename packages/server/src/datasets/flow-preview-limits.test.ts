import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import type { ArtifactStore, DataEngine } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// A preview runs the caller's expression in the server's DuckDB. It must not keep a core busy for no
// one: it stops at its deadline, and when its client hangs up. The deadline covers the engine work on
// the sample, not staging the sources (shared with every other request for the version).
const DEADLINE_S = 2;
// Levenshtein is quadratic in its strings' length: each row compares 210 with 218 characters (~46k
// cells, ~150 µs), so the rows are ~18 s of a core here, far past the deadline on any machine. They are
// fewer than one Parquet row group (122,880), so DuckDB scans them on one thread whatever the cores,
// and it notices an interrupt between chunks of 2048 rows (~0.3 s).
const ROWS = 120_000;
const heavy = { formatVersion: 1, nodes: [
  { id: 'src', type: 'source', dataset: { name: 'big' } },
  { id: 'f', type: 'transform', transform: 'filter_rows', inputs: ['src'], params: { condition: "levenshtein(repeat(name, 30), repeat(name, 31) || 'x') < 0" } },
] };
const previewBody = JSON.stringify({ Definition: heavy, NodeId: 'f', SampleSize: ROWS });
const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

let loam: TestLoam;
/** The engine's queries as they run (the real engine; this only watches when each starts and settles and why). */
const queries: { startedAt: number; signal: AbortSignal | undefined; settled: Promise<{ at: number; error?: unknown }> }[] = [];

async function createDataset(name: string, csv: string): Promise<void> {
  expect((await loam.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: json(loam.adminToken), payload: JSON.stringify({ DatasetName: name }) })).statusCode).toBe(200);
  const up = await loam.app.inject({ method: 'POST', url: `/api/v1/datasets/${name}/upload?FileName=${name}.csv`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/octet-stream' }, payload: csv });
  expect(up.statusCode, up.body).toBe(200);
}

async function start(): Promise<void> {
  loam = await openTestLoam({ LOAM_DATA_ENGINE__PREVIEW_TIMEOUT_SECONDS: String(DEADLINE_S) });
  let csv = 'name,salary\n';
  for (let i = 0; i < ROWS; i++) csv += `n${String(i).padStart(6, '0')},${i}\n`;
  await createDataset('big', csv);
  const engine = (loam.platform.datasets.flows as unknown as { o: { engine: DataEngine } }).o.engine;
  const query = engine.query.bind(engine);
  engine.query = (sql, sources, options) => {
    const p = query(sql, sources, options);
    queries.push({ startedAt: Date.now(), signal: options?.signal, settled: p.then(() => ({ at: Date.now() }), (error: unknown) => ({ at: Date.now(), error })) });
    return p;
  };
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop, 120_000);

describe('PreviewFlow is bounded', () => {
  it(`answers ResourceLimitExceeded at its deadline (dataEngine.previewTimeoutSeconds) and interrupts the query`, async () => {
    // Staged first (as any earlier preview of the dataset would have), so the timing below is the query's.
    await loam.platform.datasets.datasets.source('big');
    const t0 = Date.now();
    const r = await loam.app.inject({ method: 'POST', url: '/api/v1/flow-preview', headers: json(loam.adminToken), payload: previewBody });
    const took = Date.now() - t0;
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json()).toMatchObject({ code: 'ResourceLimitExceeded' });
    expect(r.json().detail).toMatch(new RegExp(`node 'f' took longer than ${DEADLINE_S} s over ${ROWS} source rows .*dataEngine\\.previewTimeoutSeconds`));
    expect(took).toBeGreaterThanOrEqual(DEADLINE_S * 1000 - 50);
    expect(took).toBeLessThan((DEADLINE_S + 3) * 1000);
    const q = queries.at(-1);
    const settled = await q?.settled;
    // Interrupted, not finished (the query alone is far longer than this): the engine gives up with
    // the signal's reason once DuckDB has stopped.
    expect(String((settled?.error as Error | undefined)?.message)).toMatch(/took longer than/);
    expect((settled?.at ?? Infinity) - t0).toBeLessThan((DEADLINE_S + 4) * 1000);
  }, 30_000);

  it('stops the query when the client closes the connection before the answer', async () => {
    await loam.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = loam.app.server.address() as AddressInfo;
    const before = queries.length;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/flow-preview', headers: { ...json(loam.adminToken), 'content-length': Buffer.byteLength(previewBody) } });
    req.on('error', () => undefined);
    req.end(previewBody);
    while (queries.length === before) await new Promise((r) => setTimeout(r, 20));
    const q = queries[before];
    await new Promise((r) => setTimeout(r, 200));
    const hungUpAt = Date.now();
    req.destroy();
    const settled = await q?.settled;
    // Stopped by the hang-up (the signal's reason is the first abort's: the deadline had not passed),
    // and stopped soon after it (the query alone is far longer).
    expect(q?.signal?.aborted).toBe(true);
    expect(String((q?.signal?.reason as Error | undefined)?.message)).toMatch(/client closed the connection/);
    expect(String((settled?.error as Error | undefined)?.message)).toMatch(/client closed the connection/);
    expect((settled?.at ?? Infinity) - hungUpAt).toBeLessThan(5_000);
  }, 30_000);

  it('does not count staging a source against the deadline: a dataset slower to stage than the deadline is previewed', async () => {
    await createDataset('slow', 'name,salary\nalice,1\nbob,2\n');
    // The real artifact store, its reads of the dataset's snapshot slowed past the deadline (a large
    // version, or a slow S3 backend).
    const staging = loam.platform.datasets.datasets.staging as unknown as { artifacts: ArtifactStore };
    const real = staging.artifacts;
    const slowed = Object.create(real) as ArtifactStore;
    let reads = 0;
    slowed.get = async (ref, options) => {
      if (ref.key.startsWith('datasets/slow/')) {
        reads++;
        await new Promise((r) => setTimeout(r, (DEADLINE_S + 1) * 1000));
      }
      return real.get(ref, options);
    };
    staging.artifacts = slowed;
    try {
      const flow = { formatVersion: 1, nodes: [
        { id: 'src', type: 'source', dataset: { name: 'slow' } },
        { id: 'f', type: 'transform', transform: 'filter_rows', inputs: ['src'], params: { condition: 'salary > 1' } },
      ] };
      const r = await loam.app.inject({ method: 'POST', url: '/api/v1/flow-preview', headers: json(loam.adminToken), payload: JSON.stringify({ Definition: flow, NodeId: 'f' }) });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().Rows).toEqual([['bob', 2]]);
      expect(reads).toBe(1);
    } finally {
      staging.artifacts = real;
    }
  }, 30_000);
});
