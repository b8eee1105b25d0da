import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { jobsCollection } from '@loam/core';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { processesWithArg } from '@loam/adapters/executors/local/proc';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, role, sourceDirTarGz } from './jobs.test-support.js';
import { refuseJobUpdateOnce, until } from './postgres-faults.test-support.js';

// PostgreSQL unavailable for a moment right after a job's runner started (a restart, a failover, a
// dropped connection): storing the runner's handle failed, and the coordinator failed the job ("Loam
// could not start the job: The metadata store is unavailable") as soon as the database was back, while
// the runner went on training beside a Failed job (and, under RetryStrategy, beside its second run).
// The database's refusal is real: a trigger answers SQLSTATE 57P03 (cannot_connect_now) to the first
// update that would store the job as running.

const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
// A schema per attempt (CI retries once): each server has a data directory, and server.key, of its own.
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let schema = '';
let loam: TestLoam | undefined;
serverPerAttempt(
  async () => {
    schema = schemas[schemas.indexOf(schema) + 1] ?? schemas[0]!;
    loam = await openTestLoam({ LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schema });
  },
  async () => {
    await loam?.close();
    loam = undefined;
  },
);


describe('the database unavailable just after a job started', () => {
  it('stores the runner once the database is back: the job runs on, once, and is not failed', async () => {
    if (!loam) throw new Error('no server');
    const { platform } = loam;
    await platform.artifacts.ensureBucket('data');
    await platform.artifacts.put({ bucket: 'data', key: 'code/sourcedir.tar.gz' }, sourceDirTarGz('scripts', ['sleeper.py']));
    await platform.artifacts.put({ bucket: 'data', key: 'train/x.csv' }, Buffer.from('1,2\n'));
    // A fault of its own per attempt (CI retries a failed test in the same schema).
    const name = `recorded-late-${Date.now().toString(36)}`;
    const fired = await refuseJobUpdateOnce(schema, `training-job/${name}`, '"phase":"running"', name);

    const created = await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: name, RoleArn: role,
      AlgorithmSpecification: { TrainingImage: sklearnImage, TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: 'sleeper.py', sagemaker_submit_directory: 's3://data/code/sourcedir.tar.gz' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://models/' }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      RetryStrategy: { MaximumRetryAttempts: 2 },
    });
    expect(created.status).toBe(200);
    await platform.jobs.scheduler.start();

    const jobs = platform.store.collection(jobsCollection);
    const settled = await until(async () => {
      const r = (await jobs.get(`training-job/${name}`))?.value;
      return r && (r.handle !== undefined || r.phase === 'done' || r.attempts > 1) ? r : undefined;
    }, 30_000, 'the job recorded as running, or failed');
    // The fault fired: the first attempt to record the runner was refused.
    expect(await fired()).toBe(true);
    const described = (await call(loam, 'GET', `/api/v1/training-jobs/${name}`)).body;
    expect([described.TrainingJobStatus, described.FailureReason, settled.attempts]).toEqual(['InProgress', undefined, 1]);
    const jobFile = join(platform.config.executor.workDir, 'training-job', name, 'algo-1', 'job.json');
    expect(processesWithArg(jobFile)).toHaveLength(1);

    expect((await call(loam, 'POST', `/api/v1/training-jobs/${name}/stop`, {})).status).toBe(200);
    await until(async () => ((await call(loam!, 'GET', `/api/v1/training-jobs/${name}`)).body.TrainingJobStatus === 'Stopped' ? true : undefined), 30_000, 'the job stopped');
    await until(async () => (processesWithArg(jobFile).length === 0 ? true : undefined), 10_000, 'its runner gone');
  }, 90_000);
});
