/**
 * Starts `loam up` on a temporary data directory, trains (once; cached as loam-model.json) Loam's GBDT on the bench's 100k × 50 rows with
 * the peer's settings (100 rounds, depth 6, eta 0.1, 256 bins), stores it as a built-in image would
 * (model.tar.gz), deploys it to endpoint `bench` (one in-process instance) and prints
 * `READY <url> <token> <prediction-of-payload>`. Runs until SIGTERM.
 *   npx tsx bench/serve/serve-loam.ts <port>   (Loam from the build: run `npm run build` first; add --conditions=loam-src for sources)
 * With LOAM_BENCH_PROFILE=<file.cpuprofile>, a CPU profile of the serving phase only (after READY) is
 * written there on SIGTERM/SIGINT (open it in Chrome DevTools or speedscope).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { readCsv } from '@loam/ml/data/index';
import { trainGbdt } from '@loam/ml/gbdt/index';
import { startLoam } from '@loam/server';

const data = join(process.env['BENCH_DATA'] ?? join(homedir(), '.cache/loam-bench/data'), 'serve');
const port = Number(process.argv[2] ?? 8095);
const dataDir = mkdtempSync(join(tmpdir(), 'loam-bench-serve-'));
// LOAM_SERVER__SERVING_WORKERS=N: N serving workers besides the main process (ADR 0015).
const workers = process.env['LOAM_SERVER__SERVING_WORKERS'];
const loam = await startLoam({ flags: { dataDir, port }, env: { LOAM_LOG__LEVEL: 'warn', ...(workers ? { LOAM_SERVER__SERVING_WORKERS: workers } : {}) } });
const token = (readFileSync(loam.credentialsFile, 'utf8').match(/loam_api_token\s*=\s*(\S+)/) ?? [])[1] as string;

// The trained model is kept next to the data (delete it to retrain), so repeated runs serve the same model.
const trained = join(data, 'loam-model.json');
if (!existsSync(trained)) {
  const train = readCsv(join(data, 'train100k.csv'), { labelSize: 1 });
  const model = await trainGbdt(train, { num_round: 100, max_depth: 6, eta: 0.1, max_bin: 256, objective: 'binary:logistic' });
  writeFileSync(trained, JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm: 'xgboost', model: model.toJSON() }));
}
const work = mkdtempSync(join(tmpdir(), 'loam-bench-model-'));
copyFileSync(trained, join(work, 'loam-model.json'));
await tar.c({ gzip: true, cwd: work, file: join(work, 'model.tar.gz') }, ['loam-model.json']);
await loam.platform.artifacts.ensureBucket('bench');
await loam.platform.artifacts.put({ bucket: 'bench', key: 'serve/model.tar.gz' }, readFileSync(join(work, 'model.tar.gz')));

const api = async (path: string, body: unknown) => {
  const r = await fetch(`${loam.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
};
await api('/api/v1/models', { ModelName: 'bench-gbdt', PrimaryContainer: { Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://bench/serve/model.tar.gz' } });
await api('/api/v1/endpoint-configs', { EndpointConfigName: 'bench', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'bench-gbdt', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
await api('/api/v1/endpoints', { EndpointName: 'bench', EndpointConfigName: 'bench' });
for (;;) {
  const d = await (await fetch(`${loam.url}/api/v1/endpoints/bench`, { headers: { authorization: `Bearer ${token}` } })).json() as { EndpointStatus: string; FailureReason?: string };
  if (d.EndpointStatus === 'InService') break;
  if (d.EndpointStatus === 'Failed') throw new Error(d.FailureReason);
  await new Promise((r) => setTimeout(r, 100));
}
// Serving workers: every one up and told of the endpoint (views go out every 100 ms).
while ((loam.servingWorkers?.stats().ready ?? 0) < Number(workers ?? 0)) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 300));
const answer = await fetch(`${loam.url}/endpoints/bench/invocations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: readFileSync(join(data, 'payload.csv')) });
const profileTo = process.env['LOAM_BENCH_PROFILE'];
const profiler = profileTo ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  await profiler.post('Profiler.start');
}
process.stdout.write(`READY ${loam.url} ${token} ${await answer.text()}\n`);
// LOAM_BENCH_ELD=1: the main process's event-loop delay over the serving phase, printed on stop.
const eld = process.env['LOAM_BENCH_ELD'] ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
eld?.enable();
const stop = async () => {
  if (eld) process.stdout.write(`ELD ms p50 ${(eld.percentile(50) / 1e6).toFixed(2)} p99 ${(eld.percentile(99) / 1e6).toFixed(2)} max ${(eld.max / 1e6).toFixed(1)}\n`);
  if (profiler && profileTo) writeFileSync(profileTo, JSON.stringify((await profiler.post('Profiler.stop')).profile));
  await loam.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
