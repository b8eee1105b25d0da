/**
 * S3 requests on keys of Loam's MLflow artifact bucket (`loam-mlflow`) outside every run folder, with many
 * experiments: each such request is checked on every experiment whose artifact location holds the key
 * (ADR 0009), so the cost of finding those experiments is paid per request.
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/s3/mlflow-owned-keys.ts [--experiments 5000] [--requests 40] [--pg postgres://…]
 * Creates --experiments experiments through the tracking service (default locations
 * `mlflow-artifacts:/<id>`), puts one object in the folder of --requests of them (`mlflow/<id>/notes.txt`)
 * and one under no experiment, then times HeadObject on each through the real HTTP routes with the AWS SDK
 * for JavaScript, signed as the admin (the owner check runs for every principal). With --pg the metadata
 * (and experiment) store is PostgreSQL, in a fresh schema. Prints one JSON line per measurement with
 * /proc/loadavg; cpuMs is the process's user+system time over the measured requests (server and client).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { silentLogger } from '@loam/core';
import { buildLoamApp, loadConfig, openPlatform } from '@loam/server';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const EXPERIMENTS = Number(arg('experiments') ?? 5000);
const REQUESTS = Number(arg('requests') ?? 40);
const PG = arg('pg');
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const print = (o: object) => console.log(JSON.stringify({ ...o, loadavg: load() }));
const ms = (x: number) => Math.round(x * 10) / 10;

const dataDir = mkdtempSync(join(process.env['DATA'] ?? tmpdir(), 'loam-owned-bench-'));
const schema = `bench_owned_${process.pid}`;
try {
  const pg = PG ? { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: PG, LOAM_METADATA__SCHEMA: schema } : {};
  const { config } = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent', ...pg }, cwd: dataDir });
  const platform = await openPlatform(config, silentLogger);
  const app = buildLoamApp(platform, false, () => 'http://127.0.0.1');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const admin = await platform.identity.bootstrapAdmin();
  const s3 = new S3Client({
    endpoint: url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: admin!.accessKeyId, secretAccessKey: admin!.secretAccessKey },
  });

  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < EXPERIMENTS; i += 16) {
    const batch = Array.from({ length: Math.min(16, EXPERIMENTS - i) }, (_, j) => platform.tracking.createExperiment({ name: `bench-${i + j}`, tags: [] }));
    ids.push(...(await Promise.all(batch)));
  }
  print({ bench: 'setup', experiments: EXPERIMENTS, store: PG ? 'postgres' : 'sqlite', setupMs: Math.round(performance.now() - t0) });

  await platform.artifacts.ensureBucket('loam-mlflow');
  const step = Math.max(1, Math.floor(ids.length / REQUESTS));
  const keys = Array.from({ length: REQUESTS }, (_, i) => `mlflow/${ids[(i * step) % ids.length]}/notes.txt`);
  keys.push('mlflow/held-by-no-experiment/notes.txt');
  for (const key of keys) await platform.artifacts.put({ bucket: 'loam-mlflow', key }, Buffer.from(key));

  // One request first (connection, caches), not measured.
  await s3.send(new HeadObjectCommand({ Bucket: 'loam-mlflow', Key: keys[0] }));
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  for (const key of keys) {
    const r0 = performance.now();
    await s3.send(new HeadObjectCommand({ Bucket: 'loam-mlflow', Key: key }));
    times.push(performance.now() - r0);
  }
  const total = performance.now() - w0;
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...times].sort((a, b) => a - b);
  print({
    bench: 'head-outside-runs', experiments: EXPERIMENTS, store: PG ? 'postgres' : 'sqlite', requests: keys.length,
    totalMs: ms(total), meanMs: ms(total / keys.length), medianMs: ms(sorted[Math.floor(sorted.length / 2)]!), maxMs: ms(sorted.at(-1)!),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000), cpuMsPerRequest: ms((cpu.user + cpu.system) / 1000 / keys.length),
  });
  s3.destroy();
  await app.close();
  await platform.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  if (PG) {
    const { default: pgLib } = await import('pg');
    const c = new pgLib.Client({ connectionString: PG });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
}
