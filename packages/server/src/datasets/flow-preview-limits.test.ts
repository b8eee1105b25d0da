import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataEngine } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// A preview runs the caller's expression over up to a million rows in the server's DuckDB. It must
// not keep a core busy for no one: it stops at its deadline, and when its client hangs up.
const DEADLINE_S = 6;
// ~20 µs a row: 1M rows are ~20 s of one core, far past the deadline; DuckDB stops between chunks.
const heavy = { formatVersion: 1, nodes: [
  { id: 'src', type: 'source', dataset: { name: 'big' } },
  { id: 'f', type: 'transform', transform: 'filter_rows', inputs: ['src'], params: { condition: "levenshtein(repeat(name, 6), repeat(name, 5) || 'x') < 0" } },
] };
const previewBody = JSON.stringify({ Definition: heavy, NodeId: 'f', SampleSize: 1_000_000 });

let loam: TestLoam;
/** The engine's queries as they run (the real engine; this only watches when each settles and why). */
const queries: { signal: AbortSignal | undefined; settled: Promise<{ at: number; error?: unknown }> }[] = [];

beforeAll(async () => {
  loam = await openTestLoam({ LOAM_DATA_ENGINE__PREVIEW_TIMEOUT_SECONDS: String(DEADLINE_S) });
  let csv = 'name,salary\n';
  for (let i = 0; i < 1_000_000; i++) csv += `n${i},${i}\n`;
  expect((await loam.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ DatasetName: 'big' }) })).statusCode).toBe(200);
  const up = await loam.app.inject({ method: 'POST', url: '/api/v1/datasets/big/upload?FileName=big.csv', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/octet-stream' }, payload: csv });
  expect(up.statusCode, up.body).toBe(200);
  const engine = (loam.platform.datasets.flows as unknown as { o: { engine: DataEngine } }).o.engine;
  const query = engine.query.bind(engine);
  engine.query = (sql, sources, options) => {
    const p = query(sql, sources, options);
    queries.push({ signal: options?.signal, settled: p.then(() => ({ at: Date.now() }), (error: unknown) => ({ at: Date.now(), error })) });
    return p;
  };
}, 180_000);
afterAll(async () => {
  await loam?.close();
});

describe('PreviewFlow is bounded', () => {
  it(`answers ResourceLimitExceeded at its deadline (dataEngine.previewTimeoutSeconds) and interrupts the query`, async () => {
    const t0 = Date.now();
    const r = await loam.app.inject({ method: 'POST', url: '/api/v1/flow-preview', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: previewBody });
    const took = Date.now() - t0;
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json()).toMatchObject({ code: 'ResourceLimitExceeded' });
    expect(r.json().detail).toMatch(/node 'f' took longer than 6 s .*dataEngine\.previewTimeoutSeconds/);
    expect(took).toBeLessThan((DEADLINE_S + 3) * 1000);
    const q = queries.at(-1);
    const settled = await q?.settled;
    expect(settled?.error).toBeDefined();
    expect((settled?.at ?? Infinity) - t0).toBeLessThan((DEADLINE_S + 6) * 1000);
  }, 60_000);

  it('stops the query when the client closes the connection before the answer', async () => {
    await loam.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = loam.app.server.address() as AddressInfo;
    const before = queries.length;
    const t0 = Date.now();
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/flow-preview', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(previewBody) } });
    req.on('error', () => undefined);
    req.end(previewBody);
    while (queries.length === before) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    req.destroy();
    const q = queries[before];
    const settled = await q?.settled;
    // Stopped by the hang-up, well before the deadline would have stopped it.
    expect(q?.signal?.aborted).toBe(true);
    expect(String((q?.signal?.reason as Error | undefined)?.message)).toMatch(/client closed the connection/);
    expect(settled?.error).toBeDefined();
    expect((settled?.at ?? Infinity) - t0).toBeLessThan((DEADLINE_S - 1) * 1000);
  }, 60_000);
});
