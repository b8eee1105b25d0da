import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { jobsCollection } from '@loam/core';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, role, sourceDirTarGz } from './jobs.test-support.js';
import { openLoggedLoam, sql, until } from './postgres-faults.test-support.js';

// While the database was unavailable, each retry of a job's update (every retryIntervalMs, 1 s) was logged
// at error level with a stack trace: 'job update failed', once a second per job for the whole outage. The
// first refusal is now a warning, the retries debug lines, and the write that got through an info line. The
// database's refusal is real: a trigger answers SQLSTATE 57P03 (cannot_connect_now) to the first writes of
// the job's end, as PostgreSQL does while it restarts.

const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const refusals = 3;
// A schema per attempt (CI retries once): each server has a data directory, and server.key, of its own.
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let schema = '';
let loam: TestLoam | undefined;
let lines: Array<{ level: number; msg: string; jobId?: string; err?: { stack?: string }; retries?: number }> = [];


serverPerAttempt(
  async () => {
    schema = schemas[schemas.indexOf(schema) + 1] ?? schemas[0]!;
    lines = [];
    loam = await openLoggedLoam({ env: { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schema }, level: 'debug', onLine: (l) => void lines.push(l as (typeof lines)[number]) });
  },
  async () => {
    await loam?.close();
    loam = undefined;
  },
);


describe('job updates during a database outage', () => {
  it('logs the first refusal as a warning, the retries at debug level and the recovery, and no error', async () => {
    if (!loam) throw new Error('no server');
    const { platform } = loam;
    await platform.artifacts.ensureBucket('data');
    await platform.artifacts.put({ bucket: 'data', key: 'code/sourcedir.tar.gz' }, sourceDirTarGz('scripts', ['sleeper.py']));
    await platform.artifacts.put({ bucket: 'data', key: 'train/x.csv' }, Buffer.from('1,2\n'));
    const name = `outage-log-${Date.now().toString(36)}`;
    const jobId = `training-job/${name}`;
    const seq = `${schema}.fail_${name.replace(/-/g, '_')}`;
    await sql(`create sequence ${seq}`);
    // Refuses the first writes of the job's end (its runner's exit after the stop), then lets them through.
    await sql(`create or replace function ${seq}_fn() returns trigger language plpgsql as $$
      begin
        if new.pk = '${jobId}' and new.doc like '%"phase":"done"%' then
          if nextval('${seq}') <= ${refusals} then
            raise exception 'the database system is starting up' using errcode = '57P03';
          end if;
        end if;
        return new;
      end $$`);
    await sql(`create trigger ${name.replace(/-/g, '_')} before update on ${schema}.jobs for each row execute function ${seq}_fn()`);

    const created = await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: name, RoleArn: role,
      AlgorithmSpecification: { TrainingImage: sklearnImage, TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: 'sleeper.py', sagemaker_submit_directory: 's3://data/code/sourcedir.tar.gz' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://models/' }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
    });
    expect(created.status).toBe(200);
    await platform.jobs.scheduler.start();
    const jobs = platform.store.collection(jobsCollection);
    await until(async () => ((await jobs.get(jobId))?.value.handle ? true : undefined), 30_000, 'the job running');

    expect((await call(loam, 'POST', `/api/v1/training-jobs/${name}/stop`, {})).status).toBe(200);
    await until(async () => ((await call(loam!, 'GET', `/api/v1/training-jobs/${name}`)).body.TrainingJobStatus === 'Stopped' ? true : undefined), 30_000, 'the job stopped');
    // Every refusal was met: the end was written after the last one.
    expect(await sql(`select last_value >= ${refusals} as met from ${seq}`)).toEqual([{ met: true }]);

    const mine = lines.filter((l) => l.jobId === jobId);
    expect(mine.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    const waits = mine.filter((l) => l.level === 40 && /waits for the metadata store/.test(l.msg));
    expect(waits).toHaveLength(1);
    expect(waits[0]!.err?.stack).toMatch(/57P03/);
    expect(mine.filter((l) => l.level === 20 && /still waits/.test(l.msg)).length).toBe(refusals - 1);
    expect(mine.filter((l) => l.level === 30 && /answers again/.test(l.msg)).map((l) => l.retries)).toEqual([refusals - 1]);
  }, 90_000);
});
