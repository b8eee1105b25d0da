import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from '@loam/adapters';
import { nameForAttempt, serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { removeDataDir, runLoam, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

// `loam train` and `loam tune` through the built CLI against `loam up`: --distribution and --shuffle-seed reach
// CreateTrainingJob / CreateHyperParameterTuningJob, and the server's Describe answers them per channel. Before,
// both commands built FullyReplicated channels only and refused the flags as unknown options.
let dataDir = '';
let loam: LoamProcess | undefined;
serverPerAttempt(async () => {
  dataDir = tempDataDir('loam-cli-channels-');
  const artifacts = await LocalFsArtifactStore.open({ root: join(dataDir, 'artifacts') });
  await artifacts.ensureBucket('data');
  await artifacts.ensureBucket('models');
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 2},${(i % 2) + (i % 7) / 10}`).join('\n');
  for (const key of ['train/a.csv', 'train/b.csv', 'validation/v.csv']) await artifacts.put({ bucket: 'data', key }, Buffer.from(`${rows}\n`));
  loam = await startLoamProcess(dataDir);
}, async () => {
  if (loam) {
    loam.child.kill('SIGTERM');
    await waitForExit(loam.child, 15_000).catch(() => loam?.child.kill('SIGKILL'));
    loam = undefined;
  }
  await removeDataDir(dataDir);
}, 60_000);

const SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const cli = (...args: string[]) => runLoam(['--endpoint', loam!.url, '--data-dir', dataDir, ...args]);
const channels = ['--channel', 'train=s3://data/train/', '--channel', 'validation=s3://data/validation/', '--content-type', 'text/csv'];
type Channel = { ChannelName: string; DataSource: { S3DataSource: { S3DataDistributionType?: string } }; ShuffleConfig?: { Seed: number } };
const dealt = (config: Channel[]) => config.map((c) => ({ name: c.ChannelName, distribution: c.DataSource.S3DataSource.S3DataDistributionType, shuffle: c.ShuffleConfig }));

describe('loam train and loam tune: --distribution and --shuffle-seed', () => {
  it("loam train sends them per channel and DescribeTrainingJob answers them", async (ctx) => {
    const name = nameForAttempt(ctx.task, 'cli-sharded');
    // Two hosts of a script-mode image (the built-in algorithms refuse ShardedByS3Key on more than one host).
    const r = await cli('train', '--name', name, '--image', SKLEARN, ...channels, '--instance-count', '2',
      '--distribution', 'train=ShardedByS3Key', '--shuffle-seed', 'train=1234567', '--hp', 'sagemaker_program="train.py"', '--output', 's3://models/cli', '--no-wait', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('hint: --shuffle-seed');
    const printed = JSON.parse(r.stdout) as { InputDataConfig: Channel[] };
    expect(dealt(printed.InputDataConfig)).toEqual([
      { name: 'train', distribution: 'ShardedByS3Key', shuffle: { Seed: 1234567 } },
      { name: 'validation', distribution: 'FullyReplicated', shuffle: undefined },
    ]);
    // Asked again, separately: what the server stored.
    const d = await cli('describe-training-job', '--training-job-name', name, '--json');
    expect(d.code, d.stderr).toBe(0);
    expect(dealt((JSON.parse(d.stdout) as { InputDataConfig: Channel[] }).InputDataConfig)).toEqual(dealt(printed.InputDataConfig));
  }, 60_000);

  it('loam tune sends them to every channel without a name, and DescribeHyperParameterTuningJob answers them', async (ctx) => {
    const name = nameForAttempt(ctx.task, 'cli-sharded-tune');
    const r = await cli('tune', '--name', name, '--image', 'sagemaker-xgboost:1.7-1', ...channels, '--objective', 'Minimize:validation:error',
      '--distribution', 'ShardedByS3Key', '--shuffle-seed', '7', '--shuffle-seed', 'validation=-3', '--float', 'eta=0.1:0.5', '--max-jobs', '1', '--parallel', '1',
      '--hp', 'num_round=2', '--output', 's3://models/tune', '--no-wait', '--json');
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as { TrainingJobDefinition: { InputDataConfig: Channel[] } };
    expect(dealt(d.TrainingJobDefinition.InputDataConfig)).toEqual([
      { name: 'train', distribution: 'ShardedByS3Key', shuffle: { Seed: 7 } },
      { name: 'validation', distribution: 'ShardedByS3Key', shuffle: { Seed: -3 } },
    ]);
  }, 60_000);

  it('refuses a distribution or seed it cannot send, naming the flag, before anything is created; hints at a seed that changes nothing', async (ctx) => {
    const name = nameForAttempt(ctx.task, 'cli-refused');
    const base = ['train', '--name', name, '--image', 'sagemaker-xgboost:1.7-1', ...channels, '--output', 's3://models/cli', '--no-wait'];
    // The two refusals run at once (each a CLI process of its own; neither creates anything).
    const [bad, unknown] = await Promise.all([cli(...base, '--distribution', 'train=Sharded'), cli(...base, '--shuffle-seed', 'test=3')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Error [ValidationException]: --distribution of channel 'train' must be FullyReplicated or ShardedByS3Key, got 'Sharded'");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("--shuffle-seed 'test=3' names channel 'test', which no --channel gives (channels: train, validation).");
    const list = await cli('list-training-jobs', '--name-contains', name, '--json');
    expect((JSON.parse(list.stdout) as { TrainingJobSummaries: unknown[] }).TrainingJobSummaries).toEqual([]);
    const whole = await cli(...base, '--shuffle-seed', 'validation=5');
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stderr).toContain("hint: --shuffle-seed on 'validation', which every host gets whole (FullyReplicated)");
  }, 60_000);

  it('documents both flags in --help', async () => {
    const helps = await Promise.all(['train', 'tune'].map((command) => runLoam([command, '--help'])));
    for (const help of helps) {
      expect(help.stdout).toMatch(/--distribution <\[channel=\]type>\s+S3DataDistributionType \(FullyReplicated or\s+ShardedByS3Key\)/);
      expect(help.stdout).toMatch(/--shuffle-seed <\[channel=\]n>\s+ShuffleConfig\.Seed/);
    }
  });
});
