import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { text } from 'node:stream/consumers';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { binaryCsv, call, trainingRequest, waitForTrainingJob } from './jobs.test-support.js';

let loam: TestLoam;

// One test: a server of its own per attempt (CI retries a failed test once, and its names would be taken).
beforeEach(async () => {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('data');
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'train/part-0.csv' }, Buffer.from(binaryCsv(400)));
  await loam.platform.jobs.scheduler.start();
});
afterEach(async () => {
  await loam?.close();
});

describe('training jobs through the API', () => {
  it('runs the built-in XGBoost image end to end: Completed, metrics, transitions, model.tar.gz', async () => {
    // A metric definition copied from a notebook, named like the image's own metric: not counted twice.
    const req = trainingRequest('xgb-1') as { AlgorithmSpecification: Record<string, unknown> };
    // One the image does not publish is applied as usual.
    req.AlgorithmSpecification = { ...req.AlgorithmSpecification, MetricDefinitions: [{ Name: 'train:auc', Regex: 'train-auc:([0-9\\.]+)' }, { Name: 'train:auc_copy', Regex: 'train-auc:([0-9\\.]+)' }] };
    const created = await call(loam, 'POST', '/api/v1/training-jobs', req);
    expect(created.status).toBe(200);
    expect(created.body.TrainingJobArn).toBe('arn:loam:sagemaker:us-east-1:000000000000:training-job/xgb-1');
    const d = await waitForTrainingJob(loam, 'xgb-1');
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe('Completed');
    expect(d.SecondaryStatus).toBe('Completed');
    expect(d.SecondaryStatusTransitions.map((t: { Status: string }) => t.Status)).toEqual(['Starting', 'Downloading', 'Training', 'Uploading', 'Completed']);
    expect(d.ModelArtifacts.S3ModelArtifacts).toBe('s3://models/out/xgb-1/output/model.tar.gz');
    const auc = d.FinalMetricDataList.find((m: { MetricName: string }) => m.MetricName === 'train:auc');
    expect(auc.Value).toBeGreaterThan(0.95);
    expect(d.BillableTimeInSeconds).toBeGreaterThanOrEqual(1);
    const obj = await loam.platform.artifacts.get({ bucket: 'models', key: 'out/xgb-1/output/model.tar.gz' });
    const tarBytes = gunzipSync(Buffer.from(await new Response(obj.body as never).arrayBuffer()));
    expect(tarBytes.toString('latin1')).toContain('loam-model.json');
    const logs = await call(loam, 'GET', '/api/v1/training-jobs/xgb-1/logs');
    expect(logs.body.Events.some((e: { Message: string }) => e.Message.startsWith('[9]\ttrain-auc:'))).toBe(true);
    expect(logs.body.Complete).toBe(true);
    expect(logs.body.Events.some((e: { Message: string }) => /Metric definition 'train:auc' names a metric the built-in algorithm publishes every round/.test(e.Message))).toBe(true);
    const copy = await call(loam, 'GET', '/api/v1/training-jobs/xgb-1/metrics?MetricName=train%3Aauc_copy&MaxResults=100');
    expect(copy.body.Metrics).toHaveLength(10);
    // The image's own log lines are the reference for the stored series: '[i]\ttrain-auc:v' per round.
    const fromLogs = logs.body.Events.map((e: { Message: string }) => /^\[(\d+)\]\ttrain-auc:([0-9.]+)/.exec(e.Message)).filter(Boolean)
      .map((m: RegExpExecArray) => ({ Step: Number(m[1]), Value: Number(m[2]) }));
    expect(fromLogs).toHaveLength(10);
    const first = await call(loam, 'GET', '/api/v1/training-jobs/xgb-1/metrics?MetricName=train%3Aauc&MaxResults=6');
    expect(first.status).toBe(200);
    expect(first.body.Metrics).toHaveLength(6);
    const rest = await call(loam, 'GET', `/api/v1/training-jobs/xgb-1/metrics?MetricName=train%3Aauc&NextToken=${encodeURIComponent(first.body.NextToken)}`);
    expect(rest.body.NextToken).toBeUndefined();
    const series = [...first.body.Metrics, ...rest.body.Metrics];
    expect(series.map((m: { Step: number; Value: number }) => ({ Step: m.Step, Value: m.Value }))).toEqual(fromLogs);
    expect(series.every((m: { MetricName: string; Timestamp: number }) => m.MetricName === 'train:auc' && m.Timestamp >= d.TrainingStartTime && m.Timestamp <= d.TrainingEndTime)).toBe(true);
    expect((await call(loam, 'GET', '/api/v1/training-jobs/nope/metrics')).status).toBe(404);
    void text;
  });
});
