/**
 * MLflow tracking on SQLite: log-batch ingest (metric points per second through the real HTTP route)
 * and runs/search with a filter over 100,000 runs (ms per request through the real HTTP route).
 * There is no Python MLflow server on this machine, so there is no peer figure to run beside it.
 *
 * usage (from /work/main):
 *   node_modules/.bin/tsx --conditions=loam-src bench/mlflow/mlflow-bench.ts [--runs 100000] [--batches 300] [--clients 4] [--reps 3]
 * Prints one JSON line per measurement, with /proc/loadavg.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '@loam/core';
import { buildLoamApp, loadConfig, openPlatform } from '@loam/server';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 100_000);
const BATCHES = arg('batches', 300);
const CLIENTS = arg('clients', 4);
const REPS = arg('reps', 3);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const print = (o: object) => console.log(JSON.stringify({ ...o, loadavg: load() }));

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
  // --- ingest: CLIENTS clients, each posting BATCHES/CLIENTS batches of 1000 points (10 keys × 100 steps) to its own run.
  const exp = (await post('experiments/create', { name: 'ingest' }))['experiment_id'];
  for (let rep = 0; rep < REPS; rep++) {
    const runs = await Promise.all(Array.from({ length: CLIENTS }, () => post('runs/create', { experiment_id: exp }).then((r) => r['run'].info.run_id as string)));
    const bodies = Array.from({ length: BATCHES }, (_, b) => JSON.stringify({
      run_id: runs[b % CLIENTS],
      metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(b * 1000 + i), timestamp: 1_700_000_000_000 + b, step: Math.floor(b / CLIENTS) * 100 + Math.floor(i / 10) })),
    }));
    let next = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      for (let b = next++; b < BATCHES; b = next++) {
        const r = await fetch(`${base}/runs/log-batch`, { method: 'POST', headers, body: bodies[b] });
        if (r.status !== 200) throw new Error(`log-batch ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      }
    }));
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    print({
      bench: 'log-batch ingest (HTTP, SQLite file, synchronous=FULL)', rep, points: BATCHES * 1000, clients: CLIENTS,
      seconds: +s.toFixed(3), pointsPerSecond: Math.round((BATCHES * 1000) / s),
      // Server and client share this process, so this CPU time includes the client's fetch work too.
      cpuSeconds: +cpu.toFixed(3), pointsPerCpuSecond: Math.round((BATCHES * 1000) / cpu),
    });
  }

  // --- search: RUNS runs written straight into the experiments database (setup, not timed).
  const sexp = (await post('experiments/create', { name: 'search' }))['experiment_id'];
  const db = new Database(join(dataDir, 'experiments.db'));
  db.pragma('journal_mode = WAL');
  const t0 = performance.now();
  const insRun = db.prepare("insert into mlflow_runs (run_id, run_key, experiment_id, run_name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_time) values (?, ?, ?, ?, 'admin', ?, ?, ?, 'active', ?, null)");
  const insParam = db.prepare('insert into mlflow_params (run_id, key, value) values (?, ?, ?)');
  const insTag = db.prepare('insert into mlflow_tags (run_id, key, value) values (?, ?, ?)');
  const insLatest = db.prepare('insert into mlflow_latest_metrics (run_id, key, step, timestamp, value, is_nan) values (?, ?, 0, 0, ?, 0)');
  const insMetric = db.prepare('insert into mlflow_metrics (run_key, key, step, timestamp, value, is_nan) values (?, ?, 0, 0, ?, 0)');
  const opts = ['adam', 'sgd', 'rmsprop', 'adagrad'];
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const id = i.toString(16).padStart(32, '0');
      insRun.run(id, 1_000_000 + i, Number(sexp), `run-${i}`, i % 10 ? 'FINISHED' : 'FAILED', 1_700_000_000_000 + i, 1_700_000_100_000 + i, `mlflow-artifacts:/${sexp}/${id}/artifacts`);
      insParam.run(id, 'optimizer', opts[i % 4]);
      insParam.run(id, 'lr', String(10 ** -(1 + (i % 4))));
      insTag.run(id, 'mlflow.runName', `run-${i}`);
      insTag.run(id, 'team', i % 3 ? 'vision' : 'nlp');
      const rmse = rnd();
      insLatest.run(id, 'rmse', rmse);
      insLatest.run(id, 'accuracy', 1 - rmse / 2);
      insMetric.run(1_000_000 + i, 'rmse', rmse);
      insMetric.run(1_000_000 + i, 'accuracy', 1 - rmse / 2);
    }
  })();
  db.close();
  print({ bench: 'search setup (not timed work)', runs: RUNS, seconds: +((performance.now() - t0) / 1000).toFixed(1) });

  const queries: [string, Record<string, unknown>][] = [
    ['metric filter, 100 results', { filter: 'metrics.rmse < 0.001', max_results: 100 }],
    ['metric AND param filter, 100 results', { filter: "metrics.rmse < 0.05 AND params.optimizer = 'adam'", max_results: 100 }],
    ['param LIKE + tag + status, ordered by metric, 100 results', { filter: "params.optimizer LIKE 'ada%' AND tags.team = 'nlp' AND attributes.status = 'FAILED'", order_by: ['metrics.accuracy DESC'], max_results: 100 }],
    ['metric filter, default page (1000 results)', { filter: 'metrics.accuracy > 0.9' }],
  ];
  for (const [name, q] of queries) {
    const times: number[] = [];
    const cpus: number[] = [];
    let n = 0;
    for (let rep = 0; rep < Math.max(REPS, 5); rep++) {
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
      bench: `runs/search over ${RUNS} runs: ${name}`, results: n, reps: times.length,
      msMin: +times[0]!.toFixed(1), msMedian: +times[Math.floor(times.length / 2)]!.toFixed(1),
      // CPU time of this process (server and client) per request: what the request costs on an idle core.
      cpuMsMin: +cpus[0]!.toFixed(1), cpuMsMedian: +cpus[Math.floor(cpus.length / 2)]!.toFixed(1),
    });
  }
} finally {
  await app.close();
  await platform.close();
  rmSync(dataDir, { recursive: true, force: true });
}
