/**
 * The log-batch client of mlflow-bench.ts, in its own process as a real MLflow client would be, so
 * the server's process spends its CPU on serving only. Reads one JSON line from stdin
 * ({ base, token, runIds, batches, clients }), builds the bodies, prints `ready`, waits for `go`, posts
 * every batch through `clients` concurrent connections, and prints { seconds, cpuSeconds }.
 */
import { createInterface } from 'node:readline';

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const job = JSON.parse((await lines.next()).value);
const { base, token, runIds, batches, clients } = job;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
// 1,000 points per request (MLflow's limit): 10 keys × 100 steps, each client on its own run.
const bodies = Array.from({ length: batches }, (_, b) => JSON.stringify({
  run_id: runIds[b % clients],
  metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(b * 1000 + i), timestamp: 1_700_000_000_000 + b, step: Math.floor(b / clients) * 100 + Math.floor(i / 10) })),
}));
console.log('ready');
await lines.next();
let next = 0;
const c0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, async () => {
  for (let b = next++; b < batches; b = next++) {
    const r = await fetch(`${base}/runs/log-batch`, { method: 'POST', headers, body: bodies[b] });
    if (r.status !== 200) throw new Error(`log-batch ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  }
}));
const seconds = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ seconds, cpuSeconds: (c.user + c.system) / 1e6 }));
process.exit(0);
