import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { binaryCsv, call, trainingRequest, waitForTrainingJob, xgboostImage } from '../../jobs/jobs.test-support.js';

// A training job's trial component shows what SageMaker fills in for it: its channels as InputArtifacts, its
// model as OutputArtifacts' SageMaker.ModelArtifact, its image and instances as the parameters SageMaker.ImageUri,
// SageMaker.InstanceType, SageMaker.InstanceCount and SageMaker.VolumeSizeInGB.

let loam: TestLoam;
async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('data');
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'train/part-0.csv' }, Buffer.from(binaryCsv(400)));
  await loam.platform.artifacts.put({ bucket: 'data', key: 'validation/part-0.csv' }, Buffer.from(binaryCsv(100, 2)));
  await loam.platform.jobs.scheduler.start();
}
serverPerAttempt(start, async () => loam?.close());

const p = '/api/v1/sagemaker-experiments';

async function componentOf(job: string, timeoutMs = 20_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const r = await call(loam, 'GET', `${p}/trial-components/${job}-aws-training-job`);
    if (r.status === 200 && r.body.OutputArtifacts?.['SageMaker.ModelArtifact']) return r.body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`no component with a model for ${job}: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe("a training job's trial component", () => {
  it('has its channels as InputArtifacts, its model as SageMaker.ModelArtifact, its image and instances as SageMaker.* parameters, in Describe and Search', async () => {
    const channels = [
      { ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } },
      { ChannelName: 'validation', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/validation/' } } },
    ];
    const created = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('xgb-arts', { InputDataConfig: channels, ExperimentConfig: { ExperimentName: 'arts' } }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const job = await waitForTrainingJob(loam, 'xgb-arts');
    expect(job.TrainingJobStatus).toBe('Completed');
    const c = await componentOf('xgb-arts');
    expect(c.InputArtifacts).toEqual({ train: { Value: 's3://data/train/' }, validation: { Value: 's3://data/validation/' } });
    expect(c.OutputArtifacts).toEqual({ 'SageMaker.ModelArtifact': { Value: job.ModelArtifacts.S3ModelArtifacts } });
    expect(c.Parameters).toMatchObject({ 'SageMaker.ImageUri': { StringValue: xgboostImage }, num_round: { StringValue: '10' } });
    // Its ResourceConfig, as SageMaker lists it among a training job's Parameters (a number where it is one).
    const resources = (await call(loam, 'GET', '/api/v1/training-jobs/xgb-arts')).body.ResourceConfig;
    expect(c.Parameters).toMatchObject({
      'SageMaker.InstanceType': { StringValue: resources.InstanceType }, 'SageMaker.InstanceCount': { NumberValue: resources.InstanceCount },
      'SageMaker.VolumeSizeInGB': { NumberValue: resources.VolumeSizeInGB },
    });
    // Search's record is the same Describe answer.
    const found = await call(loam, 'POST', '/api/v1/search', {
      Resource: 'ExperimentTrialComponent', SearchExpression: { Filters: [{ Name: 'TrialComponentName', Operator: 'Equals', Value: 'xgb-arts-aws-training-job' }] },
    });
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    const record = found.body.Results[0].TrialComponent;
    expect(record.InputArtifacts).toEqual(c.InputArtifacts);
    expect(record.OutputArtifacts).toEqual(c.OutputArtifacts);
    expect(record.Parameters['SageMaker.ImageUri']).toEqual({ StringValue: xgboostImage });
    expect(record.Parameters['SageMaker.InstanceCount']).toEqual({ NumberValue: resources.InstanceCount });
    // Found by a parameter its job gives it, which its run does not hold: the store is asked for components whose run has
    // the param, or that are a job's.
    const byJobParameter = await call(loam, 'POST', '/api/v1/search', {
      Resource: 'ExperimentTrialComponent',
      SearchExpression: { Filters: [{ Name: 'Parameters.SageMaker.InstanceType', Operator: 'Equals', Value: resources.InstanceType }, { Name: 'TrialComponentName', Operator: 'Contains', Value: 'xgb-arts' }] },
    });
    expect(byJobParameter.body.Results.map((r: { TrialComponent: { TrialComponentName: string } }) => r.TrialComponent.TrialComponentName)).toEqual(['xgb-arts-aws-training-job']);
  }, 90_000);
});
