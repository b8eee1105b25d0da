import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeAuth, fakeLoam, runCli } from '../run-cli.test-support.js';

afterEach(() => vi.unstubAllGlobals());

const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

const trainingJob = {
  TrainingJobName: 'j1', TrainingJobArn: 'arn:loam:sagemaker:us-east-1:000000000000:training-job/j1', TrainingJobStatus: 'Completed', SecondaryStatus: 'Completed',
  SecondaryStatusTransitions: [{ Status: 'Starting', StartTime: 1764291600, StatusMessage: 'Preparing' }, { Status: 'Training', StartTime: 1764291601 }, { Status: 'Completed', StartTime: 1764291605 }],
  FinalMetricDataList: [{ MetricName: 'validation:auc', Value: 0.97, Timestamp: 1764291605 }],
  ModelArtifacts: { S3ModelArtifacts: 's3://m/out/j1/output/model.tar.gz' }, CreationTime: 1764291600,
};

function fakeTraining() {
  return fakeLoam((r) => {
    if (r.method === 'POST' && r.path === '/api/v1/training-jobs') return { TrainingJobArn: trainingJob.TrainingJobArn };
    if (r.path === '/api/v1/training-jobs/j1') return trainingJob;
    if (r.path === '/api/v1/training-jobs/j1/logs') return { Events: [{ Timestamp: 1764291601, Stream: 'stdout', Message: '[0] validation-auc:0.97' }, { Timestamp: 1764291605, Stream: 'platform', Message: 'Completed' }], NextForwardToken: 't2', Complete: true };
    return {};
  });
}

const train = ['train', '--name', 'j1', '--image', 'sagemaker-xgboost:1.7-1', '--output', 's3://m/out'];

describe('--json on the following commands', () => {
  it('loam --json train: JSON Lines — created, one per status transition and metric, then the description', async () => {
    fakeTraining();
    for (const args of [['--json', ...train], [...train, '--json']]) {
      const r = await runCli([...fakeAuth, ...args]);
      expect(r.code).toBe(0);
      const recs = lines(r.stdout);
      expect(recs.map((x) => x['event'])).toEqual(['created', 'status', 'status', 'status', 'metric', 'description']);
      expect(recs[0]).toEqual({ event: 'created', TrainingJobName: 'j1', TrainingJobArn: trainingJob.TrainingJobArn });
      expect(recs[1]).toEqual({ event: 'status', TrainingJobName: 'j1', Status: 'Starting', StartTime: 1764291600, StatusMessage: 'Preparing' });
      expect(recs[4]).toEqual({ event: 'metric', TrainingJobName: 'j1', MetricName: 'validation:auc', Value: 0.97, Timestamp: 1764291605 });
      expect(recs[5]).toMatchObject({ event: 'description', TrainingJobStatus: 'Completed', ModelArtifacts: trainingJob.ModelArtifacts });
    }
  });

  it('loam train --json --logs: a log record per line; --no-wait: the description as one JSON document', async () => {
    fakeTraining();
    const r = await runCli([...fakeAuth, ...train, '--json', '--logs']);
    expect(lines(r.stdout).map((x) => x['event'])).toEqual(['created', 'status', 'status', 'status', 'log', 'log', 'description']);
    const once = await runCli([...fakeAuth, ...train, '--json', '--no-wait']);
    expect(JSON.parse(once.stdout)).toMatchObject({ TrainingJobName: 'j1', TrainingJobStatus: 'Completed' });
  });

  it('loam logs --json (and the global --json): one JSON record per line', async () => {
    fakeTraining();
    for (const args of [['logs', 'j1', '--json'], ['--json', 'logs', 'j1']]) {
      const r = await runCli([...fakeAuth, ...args]);
      expect(lines(r.stdout)).toEqual([
        { event: 'log', Timestamp: 1764291601, Stream: 'stdout', Message: '[0] validation-auc:0.97' },
        { event: 'log', Timestamp: 1764291605, Stream: 'platform', Message: 'Completed' },
      ]);
    }
  });

  it('loam tune --json: created, progress, description', async () => {
    const tuning = {
      HyperParameterTuningJobName: 't1', HyperParameterTuningJobStatus: 'Completed',
      TrainingJobStatusCounters: { Completed: 2, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 },
      BestTrainingJob: { TrainingJobName: 't1-002', TunedHyperParameters: { eta: '0.1' }, FinalHyperParameterTuningJobObjectiveMetric: { MetricName: 'validation:auc', Value: 0.98 } },
    };
    fakeLoam((r) => (r.method === 'POST' ? { HyperParameterTuningJobArn: 'arn:t1' } : tuning));
    const r = await runCli([...fakeAuth, '--json', 'tune', '--name', 't1', '--image', 'sagemaker-xgboost:1.7-1', '--objective', 'Maximize:validation:auc', '--output', 's3://m/out', '--float', 'eta=0.01:0.3', '--max-jobs', '2']);
    expect(r.code).toBe(0);
    const recs = lines(r.stdout);
    expect(recs.map((x) => x['event'])).toEqual(['created', 'progress', 'description']);
    expect(recs[1]).toMatchObject({ Status: 'Completed', TrainingJobStatusCounters: { Completed: 2 }, BestTrainingJob: { TrainingJobName: 't1-002', FinalHyperParameterTuningJobObjectiveMetric: { Value: 0.98 } } });
    expect(recs[2]).toMatchObject({ event: 'description', BestTrainingJob: { TunedHyperParameters: { eta: '0.1' } } });
  });
});
