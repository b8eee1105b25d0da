import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobsCollection } from '@loam/core';
import { processesWithArg, processesWithMarker } from '@loam/adapters/executors/local/proc';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, role, sourceDirTarGz } from './jobs.test-support.js';
import { alive, openLoamOn as open, until } from './restart.test-support.js';

// A server that dies between starting a job's runner and storing its handle (the job is still 'starting'
// in the database) leaves a runner nothing can adopt. The restarted server settles such a job as never
// started — Failed, or queued again under RetryStrategy — so that runner must not run on beside it.
const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
let first: TestLoam | undefined;
let second: TestLoam | undefined;
const markers: string[] = [];

afterAll(async () => {
  await first?.close();
  await second?.close();
  for (const m of markers) {
    const host = Buffer.from(m, 'base64url').toString();
    for (const pid of [...processesWithArg(join(host, 'job.json')), ...processesWithMarker(m)]) process.kill(pid, 'SIGKILL');
  }
  if (first) rmSync(first.dataDir, { recursive: true, force: true });
});

describe('a restart after a start the server did not finish recording', () => {
  it('ends the runner it left before failing the job or starting it again', async () => {
    first = await open(mkdtempSync(join(tmpdir(), 'loam-interrupted-start-')));
    const { platform } = first;
    await platform.artifacts.ensureBucket('data');
    await platform.artifacts.put({ bucket: 'data', key: 'code/sourcedir.tar.gz' }, sourceDirTarGz('scripts', ['sleeper.py']));
    await platform.artifacts.put({ bucket: 'data', key: 'train/x.csv' }, Buffer.from('1,2\n'));
    const request = (name: string, extra: Record<string, unknown> = {}) => ({
      TrainingJobName: name, RoleArn: role,
      AlgorithmSpecification: { TrainingImage: sklearnImage, TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: 'sleeper.py', sagemaker_submit_directory: 's3://data/code/sourcedir.tar.gz' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://models/' }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      ...extra,
    });
    // The scheduler is not started: the jobs stay queued until the lease below.
    expect((await call(first, 'POST', '/api/v1/training-jobs', request('half-started'))).status).toBe(200);
    expect((await call(first, 'POST', '/api/v1/training-jobs', request('half-started-retry', { RetryStrategy: { MaximumRetryAttempts: 2 } }))).status).toBe(200);

    // What the coordinator does up to the moment the server dies: lease (phase starting, this node), start the runner.
    const jobs = platform.store.collection(jobsCollection);
    const node = `${hostname()}:${resolve(platform.config.executor.workDir)}`;
    const runners: Record<string, number> = {};
    for (const name of ['half-started', 'half-started-retry']) {
      const id = `training-job/${name}`;
      const got = (await jobs.get(id))!;
      await jobs.update(id, got.version, { ...got.value, phase: 'starting', node, attempts: got.value.attempts + 1 });
      await platform.jobs.executor.start(id, got.value.spec);
      const host = join(platform.config.executor.workDir, 'training-job', name, 'algo-1');
      markers.push(Buffer.from(host).toString('base64url'));
      // The image runs (the runner wrote its pid file with the image's group).
      runners[name] = await until(() => {
        try {
          const p = JSON.parse(readFileSync(join(host, 'runner.pid'), 'utf8')) as { pid: number; childPgid?: number };
          return p.childPgid !== undefined ? p.pid : undefined;
        } catch {
          return undefined;
        }
      }, 30_000, `${name}'s image running`);
    }
    // The server goes; the runners live on, with no handle in the records.
    const token = first.adminToken;
    await first.close();
    for (const name of Object.keys(runners)) expect(alive(runners[name]!)).toBe(true);

    second = await open(first.dataDir, token);
    await second.platform.jobs.scheduler.start();
    const describe = async (n: string) => (await call(second!, 'GET', `/api/v1/training-jobs/${n}`)).body;

    // No RetryStrategy: Failed with a reason, and nothing of it runs.
    const failed = await describe('half-started');
    expect([failed.TrainingJobStatus, failed.FailureReason]).toEqual(['Failed', expect.stringMatching(/stopped while the job was being started/)]);
    await until(() => (!alive(runners['half-started']!) && processesWithMarker(markers[0]!).length === 0 ? true : undefined), 5_000, 'the abandoned runner and its image gone');

    // RetryStrategy: started again — by one runner, the new one.
    await until(async () => ((await describe('half-started-retry')).SecondaryStatusTransitions.some((t: { Status: string }) => t.Status === 'Restarting') ? true : undefined), 10_000, 'the retry');
    await until(() => (!alive(runners['half-started-retry']!) ? true : undefined), 5_000, 'the abandoned runner gone');
    const jobFile = join(second.platform.config.executor.workDir, 'training-job', 'half-started-retry', 'algo-1', 'job.json');
    await until(() => (existsSync(jobFile) && processesWithArg(jobFile).length === 1 ? true : undefined), 10_000, 'the retry\'s runner');
    expect(processesWithArg(jobFile)).not.toContain(runners['half-started-retry']);

    expect((await call(second, 'POST', '/api/v1/training-jobs/half-started-retry/stop', {})).status).toBe(200);
    await until(async () => ((await describe('half-started-retry')).TrainingJobStatus === 'Stopped' ? true : undefined), 30_000, 'the retry stopped');
  }, 90_000);
});
