/**
 * Listings and prefix checks on Loam's MLflow artifact bucket (`loam-mlflow`) with many experiments: S3
 * ListObjectsV2 on the bucket, the MLflow artifact proxy's list of a folder no run holds (the proxy's root,
 * an experiment's folder), and the prefix check a job's S3 prefix there gets (ArtifactProxyAccess.checkPrefix,
 * called directly: a processing job would start a runner).
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/s3/mlflow-listings.ts [--experiments 5000] [--folders 200] [--repeat 5]
 * Creates --experiments experiments through the tracking service (locations `mlflow-artifacts:/<id>`), one
 * run in the first with an artifact, and an object in the folder of --folders experiments. Each measurement
 * runs --repeat times after one unmeasured call; prints one JSON line per measurement with the mean wall
 * time, CPU per call (server and client in this process) and the experiments the store handed out per call
 * (searchExperiments rows + experimentsByArtifactLocation rows), with /proc/loadavg.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ArtifactProxyAccess, silentLogger, type ExperimentStore } from '@loam/core';
import { buildLoamApp, loadConfig, openPlatform } from '@loam/server';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const EXPERIMENTS = Number(arg('experiments') ?? 5000);
const FOLDERS = Number(arg('folders') ?? 200);
const REPEAT = Number(arg('repeat') ?? 5);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const print = (o: object) => console.log(JSON.stringify({ ...o, loadavg: load() }));
const ms = (x: number) => Math.round(x * 10) / 10;

const dataDir = mkdtempSync(join(process.env['DATA'] ?? tmpdir(), 'loam-listings-bench-'));
try {
  const { config } = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent' }, cwd: dataDir });
  const platform = await openPlatform(config, silentLogger);
  const app = buildLoamApp(platform, false, () => 'http://127.0.0.1');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const admin = await platform.identity.bootstrapAdmin();
  const s3 = new S3Client({
    endpoint: url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: admin!.accessKeyId, secretAccessKey: admin!.secretAccessKey },
  });
  const basic = `Basic ${Buffer.from(`${admin!.accessKeyId}:${admin!.secretAccessKey}`).toString('base64')}`;

  // Counts the experiments the store hands out.
  let read = 0;
  const store = platform.tracking.store as ExperimentStore & Record<string, unknown>;
  for (const name of ['searchExperiments', 'experimentsByArtifactLocation'] as const) {
    const original = store[name].bind(store) as (...a: unknown[]) => Promise<unknown[]>;
    (store as Record<string, unknown>)[name] = async (...a: unknown[]) => {
      const out = await original(...a);
      read += out.length;
      return out;
    };
  }

  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < EXPERIMENTS; i += 16) {
    const batch = Array.from({ length: Math.min(16, EXPERIMENTS - i) }, (_, j) => platform.tracking.createExperiment({ name: `bench-${i + j}`, tags: [] }));
    ids.push(...(await Promise.all(batch)));
  }
  await platform.artifacts.ensureBucket('loam-mlflow');
  const step = Math.max(1, Math.floor(ids.length / FOLDERS));
  for (let i = 0; i < FOLDERS; i++) await platform.artifacts.put({ bucket: 'loam-mlflow', key: `mlflow/${ids[(i * step) % ids.length]}/notes.txt` }, Buffer.from('x'));
  const first = ids[0] as string;
  print({ bench: 'setup', experiments: EXPERIMENTS, folders: FOLDERS, setupMs: Math.round(performance.now() - t0) });

  // The admin is allowed everything: what is measured is finding the owners, not the policy evaluation.
  const allowAll = async () => {};
  const partition = platform.partition;

  const measure = async (bench: string, call: () => Promise<unknown>) => {
    await call();
    read = 0;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < REPEAT; i++) await call();
    const total = performance.now() - w0;
    const cpu = process.cpuUsage(cpu0);
    print({ bench, experiments: EXPERIMENTS, meanMs: ms(total / REPEAT), cpuMsPerCall: ms((cpu.user + cpu.system) / 1000 / REPEAT), experimentsReadPerCall: Math.round(read / REPEAT) });
  };
  const proxyList = async (path: string) => {
    const r = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`, { headers: { authorization: basic } });
    if (r.status !== 200) throw new Error(`proxy list ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const access = () => new ArtifactProxyAccess(platform.tracking, allowAll, partition, { arn: 'arn:loam:iam::000000000000:user/bench' } as never);

  await measure('s3-list-objects-v2 mlflow/ delimiter /', () => s3.send(new ListObjectsV2Command({ Bucket: 'loam-mlflow', Prefix: 'mlflow/', Delimiter: '/' })));
  await measure('s3-list-objects-v2 whole bucket', () => s3.send(new ListObjectsV2Command({ Bucket: 'loam-mlflow' })));
  await measure('proxy list root', () => proxyList(''));
  await measure("proxy list an experiment's folder", () => proxyList(first));
  await measure('checkPrefix mlflow/<id>/', () => access().checkPrefix('sagemaker:GetMlflowArtifact', { bucket: 'loam-mlflow', key: `mlflow/${first}/` }));
  await measure('checkPrefix mlflow/<id>/notes', () => access().checkPrefix('sagemaker:GetMlflowArtifact', { bucket: 'loam-mlflow', key: `mlflow/${first}/notes` }));
  await measure('checkPrefix mlflow/', () => access().checkPrefix('sagemaker:GetMlflowArtifact', { bucket: 'loam-mlflow', key: 'mlflow/' }));
  s3.destroy();
  await app.close();
  await platform.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
