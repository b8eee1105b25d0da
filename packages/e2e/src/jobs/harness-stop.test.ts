import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalFsArtifactStore } from '@loam/adapters';
import { isAlive, processesWithMarker } from '@loam/adapters/executors/local/proc';
import { removeDataDir, restCall, startLoamProcess, stopLoamProcess, tempDataDir, type LoamProcess } from '../loam-process.test-support.js';

// The harness's own promise: a test that stops its `loam up` while a training job runs, then removes
// its data directory, leaves nothing running. The job's runner is detached so that a restarted server
// adopts it; without the harness ending it, it wrote on into the removed directory (a clean-clone CI
// failed with ENOTEMPTY) and ran on after the test.
const fixtures = fileURLToPath(new URL('../../../runtime/fixtures/', import.meta.url));
// Each attempt (CI retries a failed test once) gets a data directory of its own: a retry must not meet what a
// failed attempt left there (the names it created, its jobs).
let dataDir = '';
beforeEach(() => {
  dataDir = tempDataDir('loam-harness-stop-');
});
let loam: LoamProcess | undefined;
afterEach(async () => {
  await stopLoamProcess(loam);
  await removeDataDir(dataDir);
});

it('stopLoamProcess and removeDataDir end the runner and the image of a job still training, and remove the data directory', async () => {
  const artifacts = await LocalFsArtifactStore.open({ root: join(dataDir, 'artifacts') });
  await artifacts.ensureBucket('data');
  await artifacts.ensureBucket('models');
  await artifacts.put({ bucket: 'data', key: 'train/x.csv' }, Buffer.from('1,2\n'));
  await artifacts.put({ bucket: 'data', key: 'code/sourcedir.tar.gz' }, spawnSync('tar', ['-czf', '-', '-C', join(fixtures, 'scripts'), 'sleeper.py']).stdout);
  loam = await startLoamProcess(dataDir);
  const token = /loam_api_token = (\S+)/.exec(readFileSync(loam.info.credentialsFile, 'utf8'))![1]!;
  await restCall(loam.url, token, 'POST', '/api/v1/training-jobs', {
    TrainingJobName: 'left-running', RoleArn: 'arn:aws:iam::000000000000:role/R',
    AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' },
    HyperParameters: { sagemaker_program: 'sleeper.py', sagemaker_submit_directory: 's3://data/code/sourcedir.tar.gz' },
    InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/' }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
  });
  for (const end = Date.now() + 60_000; (await restCall(loam.url, token, 'GET', '/api/v1/training-jobs/left-running')).SecondaryStatus !== 'Training';) {
    if (Date.now() > end) throw new Error('the job did not start training');
    await new Promise((r) => setTimeout(r, 200));
  }
  const pidFile = JSON.parse(readFileSync(join(dataDir, 'jobs', 'training-job', 'left-running', 'algo-1', 'runner.pid'), 'utf8')) as { pid: number; startTime: string; marker: string };
  expect(processesWithMarker(pidFile.marker).length).toBeGreaterThan(0);

  await stopLoamProcess(loam);
  await removeDataDir(dataDir);
  expect(isAlive(pidFile.pid, pidFile.startTime)).toBe(false);
  expect(processesWithMarker(pidFile.marker).filter((p) => isAlive(p))).toEqual([]);
  expect(existsSync(dataDir)).toBe(false);
}, 120_000);
