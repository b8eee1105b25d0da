/**
 * The prefix check a job's S3 prefix in Loam's MLflow artifact bucket gets (ArtifactProxyAccess.checkPrefix:
 * a processing job's S3Prefix input, a training job's output path in `s3://loam-mlflow/…`), with many
 * experiments. Called directly, with every action allowed (a job would start a runner): what is measured is
 * finding the experiments and runs the prefix reaches, not the policy evaluation.
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/s3/mlflow-check-prefix.ts [--experiments 5000] [--repeat 5] [--old <module>]
 * Creates --experiments experiments through the tracking service (locations `mlflow-artifacts:/<id>`) and one
 * run in the first. Each prefix is checked --repeat times after one unmeasured call; prints one JSON line per
 * prefix with the mean wall time, CPU per call and the experiments the store handed out per call (every
 * experiment query counted), with /proc/loadavg. `--old <module>` also runs another module's
 * `ArtifactProxyAccess` (a copy of an earlier one) on the same data, alternating, for an A/B comparison.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ArtifactProxyAccess, silentLogger, type ObjectRef } from '@loam/core';
import { loadConfig, openPlatform } from '@loam/server';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const EXPERIMENTS = Number(arg('experiments') ?? 5000);
const REPEAT = Number(arg('repeat') ?? 5);
const OLD = arg('old');
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const print = (o: object) => console.log(JSON.stringify({ ...o, loadavg: load() }));
const ms = (x: number) => Math.round(x * 10) / 10;

type Access = { checkPrefix(action: string, prefix: ObjectRef): Promise<void> };
type AccessClass = new (...a: ConstructorParameters<typeof ArtifactProxyAccess>) => Access;
const versions: [string, AccessClass][] = [['new', ArtifactProxyAccess]];
if (OLD) versions.unshift(['old', ((await import(resolve(OLD))) as { ArtifactProxyAccess: AccessClass }).ArtifactProxyAccess]);

const dataDir = mkdtempSync(join(process.env['DATA'] ?? tmpdir(), 'loam-check-prefix-bench-'));
try {
  const { config } = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent' }, cwd: dataDir });
  const platform = await openPlatform(config, silentLogger);

  // Counts the experiments the store hands out, whichever query hands them out.
  let read = 0;
  const store = platform.tracking.store as unknown as Record<string, (...a: unknown[]) => Promise<unknown[]>>;
  for (const name of ['searchExperiments', 'experimentsByArtifactLocation', 'experimentsByArtifactLocationPrefix'] as const) {
    if (typeof store[name] !== 'function') continue;
    const original = (store[name] as (...a: unknown[]) => Promise<unknown[]>).bind(store);
    store[name] = async (...a: unknown[]) => {
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
  const first = ids[0] as string;
  await platform.tracking.createRun({ experimentId: first }, { userName: 'admin', userId: 'x', arn: 'x', via: 'system' } as never);
  print({ bench: 'setup', experiments: EXPERIMENTS, firstId: first, setupMs: Math.round(performance.now() - t0) });

  const allowAll = async () => {};
  const principal = { arn: 'arn:loam:iam::000000000000:user/bench' } as never;
  const prefixes = [`mlflow/${first}/`, `mlflow/${first}/notes`, `mlflow/${first}`, 'mlflow/'];
  for (const key of prefixes) {
    for (const [version, Cls] of versions) {
      const call = () => new Cls(platform.tracking, allowAll, platform.partition, principal).checkPrefix('sagemaker:GetMlflowArtifact', { bucket: 'loam-mlflow', key });
      await call();
      read = 0;
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      for (let i = 0; i < REPEAT; i++) await call();
      const total = performance.now() - w0;
      const cpu = process.cpuUsage(cpu0);
      print({ bench: `checkPrefix ${key}`, version, experiments: EXPERIMENTS, meanMs: ms(total / REPEAT), cpuMsPerCall: ms((cpu.user + cpu.system) / 1000 / REPEAT), experimentsReadPerCall: Math.round(read / REPEAT) });
    }
  }
  await platform.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
