import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { binaryCsv, call, extractModel, requireDebianPython, role, sourceDirTarGz, waitForTrainingJob } from './jobs.test-support.js';

let loam: TestLoam;
const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

async function start(): Promise<void> {
  requireDebianPython();
  loam = await openTestLoam();
  const a = loam.platform.artifacts;
  await a.ensureBucket('data');
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await a.ensureBucket('models');
  await a.put({ bucket: 'data', key: 'sk/train/part-0.csv' }, Buffer.from(binaryCsv(300, 3)));
  await a.put({ bucket: 'data', key: 'sk/train/part-1.csv' }, Buffer.from(binaryCsv(200, 4)));
  await a.put({ bucket: 'data', key: 'sk/validation/v.csv' }, Buffer.from(binaryCsv(200, 5)));
  await a.put({ bucket: 'data', key: 'code/sourcedir.tar.gz' }, sourceDirTarGz('sklearn', ['train.py']));
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('script mode: a SageMaker scikit-learn training script runs unchanged', () => {
  it('stages two channels, passes hyperparameters as arguments (literally), parses metrics, stores model.tar.gz', async () => {
    const note = '$(touch /tmp/loam-pwned); `id` && echo "x" | cat';
    const res = await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: 'sklearn-rf', RoleArn: role,
      AlgorithmSpecification: {
        TrainingImage: sklearnImage, TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'train:accuracy', Regex: 'train_accuracy=([0-9.]+);' }, { Name: 'validation:accuracy', Regex: 'validation_accuracy=([0-9.]+);' }],
      },
      // As the SageMaker Python SDK sends them: every value JSON-encoded.
      HyperParameters: { 'n-estimators': '25', 'max-depth': '4', note: JSON.stringify(note), sagemaker_program: '"train.py"', sagemaker_submit_directory: '"s3://data/code/sourcedir.tar.gz"', sagemaker_region: '"us-east-1"' },
      InputDataConfig: [
        { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/sk/train' } } },
        { ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/sk/validation/' } } },
      ],
      OutputDataConfig: { S3OutputPath: 's3://models/sk/' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    });
    expect(res.status).toBe(200);
    const d = await waitForTrainingJob(loam, 'sklearn-rf', 90_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe('Completed');
    expect(d.ModelArtifacts.S3ModelArtifacts).toBe('s3://models/sk/sklearn-rf/output/model.tar.gz');
    const logs = (await call(loam, 'GET', '/api/v1/training-jobs/sklearn-rf/logs?Limit=1000')).body.Events.map((e: { Message: string }) => e.Message);
    expect(logs).toContain(`note: ${note}`);
    expect(logs).toContain("hosts: ['algo-1'] current: algo-1");
    const reported = Object.fromEntries(d.FinalMetricDataList.map((m: { MetricName: string; Value: number }) => [m.MetricName, m.Value]));
    // Independent check: load the stored model with scikit-learn and score the validation data.
    const dir = await extractModel(loam, d.ModelArtifacts.S3ModelArtifacts);
    try {
      const csv = join(dir, 'v.csv');
      spawnSync('sh', ['-c', 'cat > "$1"', 'sh', csv], { input: await (await loam.platform.artifacts.get({ bucket: 'data', key: 'sk/validation/v.csv' })).body.toArray().then((c) => Buffer.concat(c as Buffer[])) });
      const py = spawnSync('/usr/bin/python3', ['-c', `import joblib, pandas as pd; m = joblib.load('${join(dir, 'model.joblib')}'); v = pd.read_csv('${csv}', header=None); print(m.n_estimators, m.max_depth, '%.6f' % m.score(v.iloc[:, 1:], v.iloc[:, 0]))`]);
      const [trees, depth, score] = py.stdout.toString().trim().split(' ');
      expect(trees).toBe('25');
      expect(depth).toBe('4');
      expect(reported['validation:accuracy']).toBeCloseTo(Number(score), 6);
      expect(reported['train:accuracy']).toBeGreaterThan(0.9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => readFileSync('/tmp/loam-pwned')).toThrow();
  });

  it('a script that raises → Failed with the Python error in FailureReason', async () => {
    await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: 'sklearn-bad', RoleArn: role,
      AlgorithmSpecification: { TrainingImage: sklearnImage, TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: 's3://data/code/sourcedir.tar.gz' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/code/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://models/sk/' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    });
    const d = await waitForTrainingJob(loam, 'sklearn-bad', 60_000);
    expect(d.TrainingJobStatus).toBe('Failed');
    expect(d.FailureReason).toMatch(/exit code 1/);
    expect(d.FailureReason).toMatch(/ValueError: no CSV files/);
  });
});
