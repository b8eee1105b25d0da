/**
 * MLflow tracking on SQLite: log-batch ingest (metric points per second through the real HTTP route)
 * and runs/search with a filter over 100,000 runs (ms per request through the real HTTP route).
 * There is no Python MLflow server on this machine, so there is no peer figure to run beside it.
 *
 * usage (from /work/main):
 *   node_modules/.bin/tsx --conditions=loam-src bench/mlflow/mlflow-bench.ts [--runs 100000] [--batches 300] [--clients 8] [--reps 3] [--calls 20]
 * The server runs in this process; the log-batch clients run in a child process (ingest-client.mjs),
 * as MLflow clients would. Prints one JSON line per measurement, with /proc/loadavg.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { silentLogger } from '@loam/core';
import { buildLoamApp, loadConfig, openPlatform } from '@loam/server';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 100_000);
const BATCHES = arg('batches', 300);
const CLIENTS = arg('clients', 8);
const REPS = arg('reps', 3);
const CALLS = Math.max(5, arg('calls', 20));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const print = (o: object) => console.log(JSON.stringify({ ...o, loadavg: load() }));

/** One ingest repetition: the client process posts every batch; this process's CPU is the server's. */
async function ingest(base: string, token: string, runIds: string[]): Promise<{ seconds: number; clientCpu: number; serverCpu: number }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'ingest-client.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  child.stdin!.write(`${JSON.stringify({ base, token, runIds, batches: BATCHES, clients: CLIENTS })}\n`);
  if ((await out.next()).value !== 'ready') throw new Error('ingest client did not start');
  const c0 = process.cpuUsage();
  child.stdin!.write('go\n');
  const line = (await out.next()).value as string | undefined;
  const c = process.cpuUsage(c0);
  if (!line) throw new Error('ingest client failed');
  const r = JSON.parse(line) as { seconds: number; cpuSeconds: number };
  return { seconds: r.seconds, clientCpu: r.cpuSeconds, serverCpu: (c.user + c.system) / 1e6 };
}

const dataDir = mkdtempSync(join(tmpdir(), 'loam-mlflow-bench-'));
const { config } = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent' }, cwd: dataDir });
const platform = await openPlatform(config, silentLogger);
const app = buildLoamApp(platform, false, () => 'http://127.0.0.1');
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address() as { port: number };
const base = `http://127.0.0.1:${addr.port}/api/2.0/mlflow`;
const admin = await platform.identity.bootstrapAdmin();
const headers = { authorization: `Bearer ${admin!.apiToken}`, 'content-type': 'application/json' };
const post = async (path: string, body: unknown) => {
  const r = await fetch(`${base}/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${text}`);
  return JSON.parse(text) as Record<string, any>;
};

try {
  // --- ingest: CLIENTS connections, each posting batches of 1000 points to its own run.
  const exp = (await post('experiments/create', { name: 'ingest' }))['experiment_id'];
  for (let rep = 0; rep < REPS; rep++) {
    const runIds = await Promise.all(Array.from({ length: CLIENTS }, () => post('runs/create', { experiment_id: exp }).then((r) => r['run'].info.run_id as string)));
    const r = await ingest(base, admin!.apiToken, runIds);
    const points = BATCHES * 1000;
    print({
      bench: 'log-batch ingest (HTTP, SQLite file, synchronous=FULL)', rep, points, clients: CLIENTS,
      seconds: +r.seconds.toFixed(3), pointsPerSecond: Math.round(points / r.seconds),
      serverCpuSeconds: +r.serverCpu.toFixed(3), pointsPerServerCpuSecond: Math.round(points / r.serverCpu), clientCpuSeconds: +r.clientCpu.toFixed(3),
    });
  }

  // --- search: RUNS runs written straight into the experiments database (setup, not timed).
  const sexp = (await post('experiments/create', { name: 'search' }))['experiment_id'];
  const db = new Database(join(dataDir, 'experiments.db'));
  db.pragma('journal_mode = WAL');
  const t0 = performance.now();
  const insRun = db.prepare("insert into mlflow_runs (run_id, run_key, experiment_id, run_name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_time) values (?, ?, ?, ?, 'admin', ?, ?, ?, 'active', ?, null)");
  const insParam = db.prepare('insert into mlflow_params (run_key, key, value) values (?, ?, ?)');
  const insTag = db.prepare('insert into mlflow_tags (run_key, key, value) values (?, ?, ?)');
  const insLatest = db.prepare('insert into mlflow_latest_metrics (run_key, key, step, timestamp, value, is_nan) values (?, ?, 0, 0, ?, 0)');
  const insMetric = db.prepare('insert into mlflow_metrics (run_key, key, step, timestamp, value, is_nan) values (?, ?, 0, 0, ?, 0)');
  const opts = ['adam', 'sgd', 'rmsprop', 'adagrad'];
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const id = i.toString(16).padStart(32, '0');
      const key = 1_000_000 + i;
      insRun.run(id, key, Number(sexp), `run-${i}`, i % 10 ? 'FINISHED' : 'FAILED', 1_700_000_000_000 + i, 1_700_000_100_000 + i, `mlflow-artifacts:/${sexp}/${id}/artifacts`);
      insParam.run(key, 'optimizer', opts[i % 4]);
      insParam.run(key, 'lr', String(10 ** -(1 + (i % 4))));
      insTag.run(key, 'mlflow.runName', `run-${i}`);
      insTag.run(key, 'team', i % 3 ? 'vision' : 'nlp');
      const rmse = rnd();
      insLatest.run(key, 'rmse', rmse);
      insLatest.run(key, 'accuracy', 1 - rmse / 2);
      insMetric.run(key, 'rmse', rmse);
      insMetric.run(key, 'accuracy', 1 - rmse / 2);
    }
  })();
  db.close();
  print({ bench: 'search setup (not timed work)', runs: RUNS, seconds: +((performance.now() - t0) / 1000).toFixed(1) });

  // Matches per query over the 100,000 runs: 1 in 4 optimizers, 1 in 3 teams, 1 in 10 FAILED, rmse uniform on [0, 1).
  const queries: [string, Record<string, unknown>][] = [
    ['param equality (25,000 match), 100 results', { filter: "params.optimizer = 'adam'", max_results: 100 }],
    ['metric comparison (~100 match), 100 results', { filter: 'metrics.rmse < 0.001', max_results: 100 }],
    ['tag LIKE (11 match), 100 results', { filter: "tags.mlflow.runName LIKE 'run-1234%'", max_results: 100 }],
    ['tag LIKE (66,667 match), 100 results', { filter: "tags.team LIKE 'vis%'", max_results: 100 }],
    ['metric AND param (~1,250 match), 100 results', { filter: "metrics.rmse < 0.05 AND params.optimizer = 'adam'", max_results: 100 }],
    ['param LIKE AND tag AND status (1,667 match), ordered by metric, 100 results',
      { filter: "params.optimizer LIKE 'ada%' AND tags.team = 'nlp' AND attributes.status = 'FAILED'", order_by: ['metrics.accuracy DESC'], max_results: 100 }],
    ['metric comparison (~20,000 match), default page (1,000 results)', { filter: 'metrics.accuracy > 0.9' }],
  ];
  const at = (sorted: number[], q: number) => +sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))]!.toFixed(1);
  for (const [name, q] of queries) {
    const times: number[] = [];
    const cpus: number[] = [];
    let n = 0;
    // Every call counts, the first (cold statement cache) included.
    for (let call = 0; call < CALLS; call++) {
      const c0 = process.cpuUsage();
      const t = performance.now();
      const r = await post('runs/search', { experiment_ids: [sexp], ...q });
      times.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      cpus.push((c.user + c.system) / 1000);
      n = (r['runs'] ?? []).length;
    }
    times.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    print({
      bench: `runs/search over ${RUNS} runs: ${name}`, body: q, results: n, calls: times.length,
      msMin: at(times, 0), msMedian: at(times, 0.5), msP95: at(times, 0.95),
      // CPU time of this process (server, plus the small client: one request at a time) per call.
      cpuMsMedian: at(cpus, 0.5),
    });
  }
} finally {
  await app.close();
  await platform.close();
  rmSync(dataDir, { recursive: true, force: true });
}
