import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { beforeNextAttempt, nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { LocalFsArtifactStore } from '@loam/adapters';
import { createLoamClient, type LoamClient } from '@loam/sdk';
import { removeDataDir, repoRoot, runLoam, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

// Tuning jobs against `loam up` as a real process, over the built-in XGBoost-compatible GBDT on
// scikit-learn's breast-cancer data. The training rows are repeated 10× so a 600-round job runs for a
// few seconds: long enough for early stopping to act while it runs. `min_child_weight = 5000` forbids
// every split (validation AUC stays 0.5), so half of the configurations are clearly bad.
const rows = readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);
const trainCsv = `${Array.from({ length: 10 }, () => rows.slice(0, 400)).flat().join('\n')}\n`;
const validationCsv = `${rows.slice(400).join('\n')}\n`;
const image = 'sagemaker-xgboost:1.7-1';
const dataDir = tempDataDir('loam-tuning-');
let loam: LoamProcess | undefined;
let client: LoamClient;

beforeAll(async () => {
  const artifacts = await LocalFsArtifactStore.open({ root: join(dataDir, 'artifacts') });
  await artifacts.ensureBucket('data');
  // The trials' S3OutputPath: Loam never creates an output bucket.
  await artifacts.ensureBucket('models');
  await artifacts.put({ bucket: 'data', key: 'bc/train/train.csv' }, Buffer.from(trainCsv));
  await artifacts.put({ bucket: 'data', key: 'bc/validation/validation.csv' }, Buffer.from(validationCsv));
  loam = await startLoamProcess(dataDir);
  const token = /loam_api_token = (\S+)/.exec(readFileSync(loam.info.credentialsFile, 'utf8'))![1]!;
  client = createLoamClient({ endpoint: loam.url, token });
}, 60_000);

afterAll(async () => {
  if (loam) {
    loam.child.kill('SIGTERM');
    await waitForExit(loam.child, 15_000).catch(() => loam?.child.kill('SIGKILL'));
  }
  await removeDataDir(dataDir);
});

const channels = ['train', 'validation'].map((c) => ({ ChannelName: c, ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/bc/${c}/` } } }));
const ranges = {
  CategoricalParameterRanges: [{ Name: 'min_child_weight', Values: ['1', '5000'] }],
  IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '4' }],
};

function request(name: string, config: Record<string, unknown>, numRound = '600', extra: Record<string, unknown> = {}): any {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: { HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' }, ParameterRanges: ranges, ...config },
    TrainingJobDefinition: {
      StaticHyperParameters: { num_round: numRound, eta: '0.05', objective: 'binary:logistic', eval_metric: 'auc' },
      AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' },
      RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      InputDataConfig: channels,
      OutputDataConfig: { S3OutputPath: 's3://models/tuning' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    },
    ...extra,
  };
}

async function waitFor(name: string, until: (d: any) => boolean, timeoutMs = 240_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const d: any = await client.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: name });
    if (until(d)) return d;
    if (Date.now() - t0 > timeoutMs) throw new Error(`tuning job ${name}: ${d.HyperParameterTuningJobStatus} ${JSON.stringify(d.TrainingJobStatusCounters)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const ended = (d: any): boolean => !['InProgress', 'Stopping'].includes(d.HyperParameterTuningJobStatus);

async function trials(name: string): Promise<any[]> {
  const r: any = await client.ListTrainingJobsForHyperParameterTuningJob({ HyperParameterTuningJobName: name, MaxResults: 100 });
  return r.TrainingJobSummaries;
}

/**
 * A test's tuning job name. CI's retry shares the server, so it gets a fresh name (the failed attempt's is taken),
 * and the failed attempt's tuning job is stopped first: its trials would compete with the retry's for the CPU.
 */
function jobForAttempt(context: TestContext, name: string): string {
  const job = nameForAttempt(context.task, name);
  beforeNextAttempt(context, async () => {
    await client.StopHyperParameterTuningJob({ HyperParameterTuningJobName: job }).catch(() => undefined);
  });
  return job;
}

// The CLI test's tuning job (the warm start uses whichever attempt finished).
let cliJob = 'cli-random';

describe('hyperparameter tuning over loam up', () => {
  it('loam tune: Random with median-rule early stopping, progress on stdout, best job printed', async (context) => {
    cliJob = jobForAttempt(context, 'cli-random');
    const common = ['--endpoint', loam!.url, '--data-dir', dataDir];
    // Seed 10 proposes the three min_child_weight=1 trials first, then the three that cannot split
    // (min_child_weight=5000, AUC 0.5), so each of those has three better trials before it and the
    // median rule must stop it; 3,000 rounds keep such a trial running long enough to be seen.
    const r = await runLoam([...common, 'tune', '--name', cliJob, '--strategy', 'Random', '--image', image, '--objective', 'Maximize:validation:auc',
      '--max-jobs', '6', '--parallel', '2', '--early-stopping', '--seed', '10', '--cat', 'min_child_weight=1,5000', '--int', 'max_depth=2:4:linear',
      '--channel', 'train=s3://data/bc/train/', '--channel', 'validation=s3://data/bc/validation/', '--content-type', 'text/csv',
      '--hp', 'num_round=3000', '--hp', 'eta=0.05', '--hp', 'objective=binary:logistic', '--hp', 'eval_metric=auc', '--output', 's3://models/cli-tune']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`hyper-parameter-tuning-job/${cliJob}`);
    expect(r.stdout).toMatch(/InProgress {2}trials: \d+ completed/);
    expect(r.stdout).toMatch(/Completed {2}trials: /);
    expect(r.stdout).toMatch(new RegExp(`best training job: ${cliJob}-\\d{3}-[0-9a-f]{8}\\n`));
    expect(r.stdout).toContain('  min_child_weight = 1\n');
    const ts = await trials(cliJob);
    // Random without repeats covers all six configurations once.
    expect(ts.map((t) => `${t.TunedHyperParameters.min_child_weight}/${t.TunedHyperParameters.max_depth}`).sort()).toEqual(['1/2', '1/3', '1/4', '5000/2', '5000/3', '5000/4']);
    const stopped = ts.filter((t) => t.TrainingJobStatus === 'Stopped');
    expect(stopped.length, JSON.stringify(ts.map((t) => [t.TunedHyperParameters, t.TrainingJobStatus]))).toBeGreaterThan(0);
    const d: any = await client.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: cliJob });
    const best = d.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value;
    expect(best).toBeGreaterThan(0.95);
    expect(d.BestTrainingJob.TunedHyperParameters.min_child_weight).toBe('1');
    // A stopped trial keeps the objective it had when stopped; the median rule stops only trials behind the others.
    for (const t of stopped) expect(t.FinalHyperParameterTuningJobObjectiveMetric.Value).toBeLessThan(best);
    expect(d.TrainingJobStatusCounters.Stopped).toBe(stopped.length);
  }, 300_000);

  it('warm start from a finished tuning job: parents inform the search; OverallBestTrainingJob spans both', async (context) => {
    const warm = jobForAttempt(context, 'warm-bo');
    await client.CreateHyperParameterTuningJob(request(warm, { Strategy: 'Bayesian', ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 } }, '60', {
      WarmStartConfig: { WarmStartType: 'IdenticalDataAndAlgorithm', ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: cliJob }] },
    }));
    const d = await waitFor(warm, ended);
    expect(d.HyperParameterTuningJobStatus).toBe('Completed');
    const parent: any = await client.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: cliJob });
    const values = [parent.BestTrainingJob, d.BestTrainingJob].map((b: any) => b.FinalHyperParameterTuningJobObjectiveMetric.Value);
    expect(d.OverallBestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value).toBe(Math.max(...values));
    expect([cliJob, warm]).toContain(d.OverallBestTrainingJob.TuningJobName);
    // The parent already ran all six configurations, so the search can only repeat one; the trials still run.
    expect(d.TrainingJobStatusCounters.Completed).toBe(2);
    await expect(client.CreateHyperParameterTuningJob(request('warm-bad', { Strategy: 'Random', ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 } }, '10', {
      WarmStartConfig: { WarmStartType: 'TransferLearning', ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: 'no-such-parent' }] },
    }))).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringContaining("'no-such-parent' does not exist") });
  }, 300_000);

  it('Hyperband: brackets stop trials at their rungs; it refuses TrainingJobEarlyStoppingType Auto', async (context) => {
    const hb = jobForAttempt(context, 'hb');
    await expect(client.CreateHyperParameterTuningJob(request('hb-bad', { Strategy: 'Hyperband', TrainingJobEarlyStoppingType: 'Auto', StrategyConfig: { HyperbandStrategyConfig: { MinResource: 10, MaxResource: 600 } }, ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 } })))
      .rejects.toMatchObject({ code: 'ValidationException', message: expect.stringContaining('TrainingJobEarlyStoppingType must be Off') });
    // MaxResource 600 rounds, MinResource 10, η = 3: brackets start at 22, 67, 200 and 600 rounds;
    // trials alternate over the brackets, so trials 0 and 4, and 1 and 5, meet at rungs.
    await client.CreateHyperParameterTuningJob(request(hb, { Strategy: 'Hyperband', StrategyConfig: { HyperbandStrategyConfig: { MinResource: 10, MaxResource: 600 } }, ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 }, RandomSeed: 4 }));
    const d = await waitFor(hb, ended);
    expect(d.HyperParameterTuningJobStatus).toBe('Completed');
    const ts = await trials(hb);
    expect(ts).toHaveLength(6);
    expect(d.BestTrainingJob.TunedHyperParameters.min_child_weight).toBe('1');
    const best = d.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value;
    for (const t of ts.filter((x) => x.TrainingJobStatus === 'Stopped')) expect(t.FinalHyperParameterTuningJobObjectiveMetric.Value).toBeLessThan(best);
    expect(d.ObjectiveStatusCounters.Succeeded).toBe(6); // a stopped trial keeps its last objective value
  }, 300_000);

  it('stopping a tuning job stops its running training jobs and starts no more', async (context) => {
    const stopMe = jobForAttempt(context, 'stop-me');
    await client.CreateHyperParameterTuningJob(request(stopMe, { Strategy: 'Random', ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 } }, '20000'));
    const running = await waitFor(stopMe, (x) => x.TrainingJobStatusCounters.InProgress === 2, 60_000);
    expect(running.HyperParameterTuningJobStatus).toBe('InProgress');
    const names = (await trials(stopMe)).map((t) => t.TrainingJobName);
    for (;;) {
      // Wait until both jobs are really training, so the stop reaches running processes.
      const s = await Promise.all(names.map((n) => client.DescribeTrainingJob({ TrainingJobName: n })));
      if (s.every((j: any) => j.SecondaryStatus === 'Training')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await client.StopHyperParameterTuningJob({ HyperParameterTuningJobName: stopMe });
    const d = await waitFor(stopMe, ended, 120_000);
    expect(d.HyperParameterTuningJobStatus).toBe('Stopped');
    expect(d.TrainingJobStatusCounters).toMatchObject({ Stopped: 2, InProgress: 0, Completed: 0 });
    const ts = await trials(stopMe);
    expect(ts.map((t) => t.TrainingJobName).sort()).toEqual([...names].sort());
    for (const n of names) expect(((await client.DescribeTrainingJob({ TrainingJobName: n })) as any).TrainingJobStatus).toBe('Stopped');
    await expect(client.StopHyperParameterTuningJob({ HyperParameterTuningJobName: stopMe })).rejects.toMatchObject({ code: 'ValidationException' });
  }, 300_000);
});
