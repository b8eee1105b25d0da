import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { jobsCollection } from '@loam/core';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { binaryCsv, call, trainingRequest, waitForTrainingJob } from '../../jobs/jobs.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

let loam: TestLoam;
let mlflow: ReturnType<typeof mlflowCaller>;
async function start(): Promise<void> {
  loam = await openTestLoam();
  mlflow = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
  await loam.platform.artifacts.ensureBucket('data');
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'train/part-0.csv' }, Buffer.from(binaryCsv(400)));
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

async function runOf(experimentName: string, predicate: (run: any) => boolean, timeoutMs = 20_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const exp = await mlflow('GET', 'experiments/get-by-name', { experiment_name: experimentName });
    if (exp.status === 200) {
      const runs = (await mlflow('POST', 'runs/search', { experiment_ids: [exp.json['experiment'].experiment_id] })).json['runs'] ?? [];
      if (runs.length === 1 && predicate(runs[0])) return runs[0];
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`no matching run in '${experimentName}' after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('training jobs as MLflow runs', () => {
  it('logs a training job to its ExperimentConfig experiment: params, every metric point, status, model artifact, links', async () => {
    const created = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('xgb-tracked', { ExperimentConfig: { ExperimentName: 'churn', RunName: 'xgb-baseline' } }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const job = await waitForTrainingJob(loam, 'xgb-tracked');
    expect(job.TrainingJobStatus).toBe('Completed');
    const run = await runOf('churn', (r) => r.info.status === 'FINISHED' && r.data.tags.some((t: { key: string }) => t.key === 'loam.model_artifact_uri'));

    expect(run.info.run_name).toBe('xgb-baseline');
    // The run is the user's who created the job (runs/search by attributes.user_id finds it), not Loam's.
    expect(run.info.user_id).toBe('admin');
    expect(run.info.end_time).toBe(Math.round(job.TrainingEndTime * 1000));
    expect(run.data.params).toEqual([{ key: 'eval_metric', value: 'auc' }, { key: 'num_round', value: '10' }, { key: 'objective', value: 'binary:logistic' }]);
    expect(run.data.tags).toEqual(expect.arrayContaining([
      { key: 'loam.training_job_arn', value: job.TrainingJobArn },
      { key: 'loam.training_job_name', value: 'xgb-tracked' },
      { key: 'loam.model_artifact_uri', value: job.ModelArtifacts.S3ModelArtifacts },
    ]));
    // The job's own final metrics are the reference for the run's latest values.
    for (const m of job.FinalMetricDataList as { MetricName: string; Value: number }[]) {
      expect(run.data.metrics.find((x: { key: string }) => x.key === m.MetricName)?.value, m.MetricName).toBeCloseTo(m.Value, 12);
    }
    const history = (await mlflow('GET', 'metrics/get-history', { run_id: run.info.run_id, metric_key: 'train:auc' })).json['metrics'];
    // Every point the job recorded for the metric, in order, with steps counting them.
    const record = await loam.platform.store.collection(jobsCollection).get('training-job/xgb-tracked');
    const series = record!.value.metricSeries['train:auc']!.points;
    expect(series.length).toBeGreaterThanOrEqual(10);
    expect(history.map((p: { value: number }) => p.value)).toEqual(series.map(([, v]) => v));
    expect(history.map((p: { timestamp: number }) => p.timestamp)).toEqual(series.map(([t]) => Math.round(t * 1000)));
    expect(history.map((p: { step: number }) => p.step)).toEqual(series.map((_, i) => i));

    const model = await loam.platform.artifacts.head({ bucket: 'models', key: 'out/xgb-tracked/output/model.tar.gz' });
    const files = (await mlflow('GET', 'artifacts/list', { run_id: run.info.run_id, path: 'model' })).json['files'];
    expect(files).toEqual([{ path: 'model/model.tar.gz', is_dir: false, file_size: model!.size }]);
    const edges = await loam.platform.store.lineage.edges(job.TrainingJobArn, 'downstream');
    // The job also produces its model artifact (lineage follower); the run edge must be among its edges, once.
    const runArn = `arn:loam:sagemaker:us-east-1:000000000000:mlflow-run/${run.info.run_id}`;
    expect(edges.filter((e) => e.destinationArn === runArn)).toHaveLength(1);
  });

  it('logs a job without ExperimentConfig to the Default experiment, named after the job', async () => {
    await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('xgb-untracked'));
    await waitForTrainingJob(loam, 'xgb-untracked');
    const t0 = Date.now();
    let found: any;
    while (!found && Date.now() - t0 < 20_000) {
      const runs = (await mlflow('POST', 'runs/search', { experiment_ids: ['0'], filter: "tags.`loam.training_job_name` = 'xgb-untracked' AND attributes.status = 'FINISHED'" })).json['runs'] ?? [];
      found = runs[0];
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found?.info.run_name).toBe('xgb-untracked');
  });

  it('records a job whose hyperparameters hold an unpaired surrogate (which no experiment store keeps) with U+FFFD in its place', async () => {
    // U+0000 is refused at create now (nul-in-process-text.test.ts); a job stored before that is logged with U+FFFD too.
    const created = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('xgb-nul', { ExperimentConfig: { ExperimentName: 'nul-hp', RunName: 'nul' }, HyperParameters: { num_round: '10', objective: 'binary:logistic', lone: 'c\ud800d' } }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    await waitForTrainingJob(loam, 'xgb-nul');
    const run = await runOf('nul-hp', (r) => r.info.status !== 'RUNNING');
    expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'lone', value: 'c\uFFFDd' }]));
  });
});
