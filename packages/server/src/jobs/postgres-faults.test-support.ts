import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { jobsCollection } from '@loam/core';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';
import { testPostgresUrl } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { loadConfig } from '../config/index.js';
import type { TestLoam } from '../compose/loam.test-support.js';
import { openPlatform } from '../compose/platform.js';
import { buildLoamApp } from '../compose/start.js';
import { call, role, sourceDirTarGz } from './jobs.test-support.js';

/** Runs one statement on the test PostgreSQL database over a connection of its own (to install a fault trigger). */
export async function sql(text: string): Promise<unknown[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return (await client.query(text)).rows as unknown[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Makes the database refuse, once, the first update of job `jobId` in `schema` whose stored document contains
 * `docContains` (SQLSTATE 57P03, cannot_connect_now: the store reads it as unavailable, to be retried). Resolves to a
 * check of whether the refusal fired. Its sequence, function and trigger are named after `tag` (one per attempt).
 */
export async function refuseJobUpdateOnce(schema: string, jobId: string, docContains: string, tag: string): Promise<() => Promise<boolean>> {
  const id = tag.replace(/[^a-z0-9]/gi, '_');
  const seq = `${schema}.fail_${id}`;
  await sql(`create sequence ${seq}`);
  await sql(`create or replace function ${seq}_fn() returns trigger language plpgsql as $$
    begin
      if new.pk = '${jobId}' and new.doc like '%${docContains}%' then
        if nextval('${seq}') = 1 then
          raise exception 'the database system is starting up' using errcode = '57P03';
        end if;
      end if;
      return new;
    end $$`);
  await sql(`create trigger ${id} before update on ${schema}.jobs for each row execute function ${seq}_fn()`);
  return async () => ((await sql(`select is_called from ${seq}`)) as { is_called: boolean }[])[0]?.is_called === true;
}

/** Polls `fn` every 100 ms until it gives a value, failing after `timeoutMs` with what it waited for. */
export async function until<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A real Loam app on the config `env` gives, in a data directory of its own, whose JSON log lines at `level` and
 * above go to `onLine`. With `startLoops` it also starts the loops `loam up` starts besides openPlatform's
 * (the job scheduler and the tuning driver, as startLoam does).
 */
export async function openLoggedLoam(o: { env: Record<string, string>; level: string; onLine: (line: unknown) => void; startLoops?: boolean }): Promise<TestLoam> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-logged-'));
  const { config } = loadConfig({ argv: { dataDir }, env: o.env, cwd: dataDir });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) o.onLine(JSON.parse(l));
      done();
    },
  });
  const platform = await openPlatform(config, pino({ level: o.level }, sink));
  const app = buildLoamApp(platform, false, () => 'http://127.0.0.1:7717');
  await app.ready();
  if (o.startLoops) {
    await platform.jobs.scheduler.start();
    platform.tuning.driver.start();
  }
  const admin = await platform.identity.bootstrapAdmin();
  if (!admin) throw new Error('bootstrap did not create the admin');
  return {
    app, platform, dataDir, adminToken: admin.apiToken, adminAccessKeyId: admin.accessKeyId, adminSecretAccessKey: admin.secretAccessKey,
    async close() {
      await app.close();
      await platform.close();
      await endDetachedJobs(config.executor.workDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a script-mode training job (`sleeper.py`) on `loam`'s PostgreSQL schema, stops it, and has the database refuse
 * the first `refusals` writes of its end (the stored document in phase done) with SQLSTATE `errcode` and `message`,
 * then let them through. Resolves once the job reads Stopped, with its id and whether every refusal was met.
 */
export async function stopJobWhoseEndIsRefused(loam: TestLoam, schema: string, name: string, refusal: { refusals: number; errcode: string; message: string }): Promise<{ jobId: string; allRefused: boolean }> {
  const { platform } = loam;
  await platform.artifacts.ensureBucket('data');
  await platform.artifacts.put({ bucket: 'data', key: 'code/sourcedir.tar.gz' }, sourceDirTarGz('scripts', ['sleeper.py']));
  await platform.artifacts.put({ bucket: 'data', key: 'train/x.csv' }, Buffer.from('1,2\n'));
  const jobId = `training-job/${name}`;
  const seq = `${schema}.fail_${name.replace(/-/g, '_')}`;
  await sql(`create sequence ${seq}`);
  await sql(`create or replace function ${seq}_fn() returns trigger language plpgsql as $$
    begin
      if new.pk = '${jobId}' and new.doc like '%"phase":"done"%' then
        if nextval('${seq}') <= ${refusal.refusals} then
          raise exception '${refusal.message.replace(/'/g, "''")}' using errcode = '${refusal.errcode}';
        end if;
      end if;
      return new;
    end $$`);
  await sql(`create trigger ${name.replace(/-/g, '_')} before update on ${schema}.jobs for each row execute function ${seq}_fn()`);
  const created = await call(loam, 'POST', '/api/v1/training-jobs', {
    TrainingJobName: name, RoleArn: role,
    AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' },
    HyperParameters: { sagemaker_program: 'sleeper.py', sagemaker_submit_directory: 's3://data/code/sourcedir.tar.gz' },
    InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/' }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
  });
  if (created.status !== 200) throw new Error(`CreateTrainingJob answered ${created.status}: ${JSON.stringify(created.body)}`);
  await platform.jobs.scheduler.start();
  const jobs = platform.store.collection(jobsCollection);
  await until(async () => ((await jobs.get(jobId))?.value.handle ? true : undefined), 30_000, 'the job running');
  const stopped = await call(loam, 'POST', `/api/v1/training-jobs/${name}/stop`, {});
  if (stopped.status !== 200) throw new Error(`StopTrainingJob answered ${stopped.status}`);
  await until(async () => ((await call(loam, 'GET', `/api/v1/training-jobs/${name}`)).body.TrainingJobStatus === 'Stopped' ? true : undefined), 30_000, 'the job stopped');
  const met = (await sql(`select last_value >= ${refusal.refusals} as met from ${seq}`)) as { met: boolean }[];
  return { jobId, allRefused: met[0]?.met === true };
}
