import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from '@loam/adapters';
import { removeDataDir, runLoam, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

// Each attempt (CI retries a failed test once) gets a data directory of its own: a retry must not meet what a
// failed attempt left there (the names it created, its jobs).
let dataDir = '';
beforeEach(() => {
  dataDir = tempDataDir('loam-cli-train-');
});
let loam: LoamProcess | undefined;

afterEach(async () => {
  if (loam) {
    loam.child.kill('SIGTERM');
    await waitForExit(loam.child, 15_000).catch(() => loam?.child.kill('SIGKILL'));
  }
  await removeDataDir(dataDir);
});

describe('loam train and loam logs', () => {
  it('trains the built-in XGBoost to Completed with progress, then prints its logs', async () => {
    const artifacts = await LocalFsArtifactStore.open({ root: join(dataDir, 'artifacts') });
    await artifacts.ensureBucket('data');
    // Loam never creates an output bucket (a missing one fails the job when it uploads, as in SageMaker).
    await artifacts.ensureBucket('models');
    const rows = Array.from({ length: 200 }, (_, i) => `${i % 2},${(i % 2) + (i % 7) / 10},${(i % 5) / 5}`).join('\n');
    await artifacts.put({ bucket: 'data', key: 'train/t.csv' }, Buffer.from(`${rows}\n`));
    loam = await startLoamProcess(dataDir);
    const common = ['--endpoint', loam.url, '--data-dir', dataDir];
    const train = await runLoam([...common, 'train', '--name', 'cli-xgb', '--image', 'sagemaker-xgboost:1.7-1', '--channel', 'train=s3://data/train/', '--content-type', 'text/csv',
      '--hp', 'num_round=3', '--hp', 'objective=binary:logistic', '--hp', 'eval_metric=error', '--output', 's3://models/cli']);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toContain('arn:loam:sagemaker:us-east-1:000000000000:training-job/cli-xgb');
    expect(train.stdout).toMatch(/Training/);
    expect(train.stdout).toMatch(/Completed/);
    expect(train.stdout).toContain('train:error = ');
    expect(train.stdout).toContain('model: s3://models/cli/cli-xgb/output/model.tar.gz');
    const logs = await runLoam([...common, 'logs', '-f', 'cli-xgb']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('[2]\ttrain-error:');
    expect(logs.stdout).toContain('[loam] Uploaded the model to s3://models/cli/cli-xgb/output/model.tar.gz.');
  });
});
