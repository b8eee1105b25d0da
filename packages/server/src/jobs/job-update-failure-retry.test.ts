import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { jobsCollection } from '@loam/core';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, role, sourceDirTarGz } from './jobs.test-support.js';
import { openLoggedLoam, sql, until } from './postgres-faults.test-support.js';

// A job's end refused by the database with an error that is not an outage (here SQLSTATE 58030, io_error, as
// PostgreSQL reports a failed write to its files) was dropped: the coordinator logged 'job update failed' once
// and the job stayed Stopping, with no process behind it, until the server restarted. Its end is now kept and
// tried again with a growing pause, and written once the database takes it.

const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const refusals = 3;
// A schema per attempt (CI retries once): each server has a data directory, and server.key, of its own.
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let schema = '';
let loam: TestLoam | undefined;
let lines: Array<{ level: number; msg: string; jobId?: string; err?: { stack?: string }; failures?: number }> = [];

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

describe('a job update the database refuses with an error that is not an outage', () => {
  it('keeps the job\'s end and writes it once the database takes it (not left Stopping until a restart)', async () => {
    if (!loam) throw new Error('no server');
    const { platform } = loam;
    await platform.artifacts.ensureBucket('data');
    await platform.artifacts.put({ bucket: 'data', key: 'code/sourcedir.tar.gz' }, sourceDirTarGz('scripts', ['sleeper.py']));
    await platform.artifacts.put({ bucket: 'data', key: 'train/x.csv' }, Buffer.from('1,2\n'));
    const name = `io-error-${Date.now().toString(36)}`;
    const jobId = `training-job/${name}`;
    const seq = `${schema}.fail_${name.replace(/-/g, '_')}`;
    await sql(`create sequence ${seq}`);
    // Refuses the first writes of the job's end as an I/O error, then lets them through.
    await sql(`create or replace function ${seq}_fn() returns trigger language plpgsql as $$
      begin
        if new.pk = '${jobId}' and new.doc like '%"phase":"done"%' then
          if nextval('${seq}') <= ${refusals} then
            raise exception 'could not write to file "base/16384/2619": Input/output error' using errcode = '58030';
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
    // Tried again after 1, 2 and 4 s (the pause doubles from the 1 s retry interval).
    await until(async () => ((await call(loam!, 'GET', `/api/v1/training-jobs/${name}`)).body.TrainingJobStatus === 'Stopped' ? true : undefined), 30_000, 'the job stopped');
    expect(await sql(`select last_value >= ${refusals} as met from ${seq}`)).toEqual([{ met: true }]);

    // The first failure is an error naming its cause, the retries debug lines, the write that got through info.
    const mine = lines.filter((l) => l.jobId === jobId);
    const errors = mine.filter((l) => l.level >= 50);
    expect(errors.map((l) => l.msg)).toEqual(['job update failed; its events are kept and tried again']);
    expect(errors[0]!.err?.stack).toMatch(/Input\/output error/);
    expect(mine.filter((l) => l.level === 20 && /failed again/.test(l.msg)).length).toBe(refusals - 1);
    expect(mine.filter((l) => l.level === 30 && /written after failing/.test(l.msg)).map((l) => l.failures)).toEqual([refusals]);
  }, 90_000);
});
