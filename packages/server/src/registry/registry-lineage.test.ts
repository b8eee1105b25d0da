import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { binaryCsv, trainingRequest, waitForTrainingJob, xgboostImage } from '../jobs/jobs.test-support.js';
import { call, invoke, waitForEndpoint } from '../endpoints/endpoints.test-support.js';

// The whole path a model takes, through the real app: a CSV imported as a dataset, a Data Wrangler
// flow writing the training file, the built-in XGBoost trained on its folder, the model registered as
// a package version, approved, deployed twice — then lineage walked both ways.

let loam: TestLoam;
const arn = (kind: string, name: string) => `arn:loam:sagemaker:us-east-1:000000000000:${kind}/${name}`;

async function start(): Promise<void> {
  loam = await openTestLoam();
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

async function deployEndpoint(name: string, modelName: string): Promise<void> {
  const cfg = await call(loam, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: `${name}-cfg`, ProductionVariants: [{ VariantName: 'v', ModelName: modelName, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
  expect(cfg.status, JSON.stringify(cfg.body)).toBe(200);
  expect((await call(loam, 'POST', '/api/v1/endpoints', { EndpointName: name, EndpointConfigName: `${name}-cfg` })).status).toBe(200);
  expect((await waitForEndpoint(loam, name, (s) => s !== 'Creating')).EndpointStatus).toBe('InService');
}

describe('registry and lineage through the API', () => {
  it('deploys only an approved version, and lineage joins the training data to every endpoint', async () => {
    // Data: a dataset version, and a flow that writes its training CSV (label first, no header).
    expect((await call(loam, 'POST', '/api/v1/datasets', { DatasetName: 'churn' })).status).toBe(200);
    const csv = `y,x0,x1,x2,x3\n${binaryCsv(300)}`;
    const up = await loam.app.inject({ method: 'POST', url: '/api/v1/datasets/churn/upload?FileName=churn.csv', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/octet-stream' }, payload: csv });
    expect(up.statusCode, up.body).toBe(200);
    const nodes = [
      { id: 'src', type: 'source', dataset: { name: 'churn' } },
      { id: 'out', type: 'destination', inputs: ['src'], output: { s3Uri: 's3://data/churn-train/train.csv', format: 'csv', header: false } },
    ];
    expect((await call(loam, 'POST', '/api/v1/flows', { FlowName: 'prep', Definition: { formatVersion: 1, nodes } })).status).toBe(200);
    // A full run is a processing job: follow it to its end (its destination bucket must exist).
    await loam.platform.artifacts.ensureBucket('data');
    const started = await call(loam, 'POST', '/api/v1/flows/prep/runs', {});
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    let run = started.body;
    for (const t0 = Date.now(); !['Completed', 'Failed', 'Stopped'].includes(run.Status); await new Promise((r) => setTimeout(r, 200))) {
      if (Date.now() - t0 > 120_000) throw new Error(`flow run still ${run.Status} after 120 s`);
      run = (await call(loam, 'GET', `/api/v1/flow-runs/${started.body.FlowRunId}`)).body;
    }
    expect(run.Status, run.FailureReason).toBe('Completed');

    // Train on the flow's folder.
    const channel = [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/churn-train/' } } }];
    expect((await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('churn-xgb', { InputDataConfig: channel }))).status).toBe(200);
    const job = await waitForTrainingJob(loam, 'churn-xgb');
    expect(job.TrainingJobStatus, job.FailureReason).toBe('Completed');
    const modelData = job.ModelArtifacts.S3ModelArtifacts as string;

    // Register it; a pending version is refused at deployment, an approved one deploys.
    expect((await call(loam, 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'churn' })).status).toBe(200);
    const pkg = await call(loam, 'POST', '/api/v1/model-packages', {
      ModelPackageGroupName: 'churn', ModelPackageDescription: 'xgboost, 10 rounds',
      InferenceSpecification: { Containers: [{ Image: xgboostImage, ModelDataUrl: modelData }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
      CustomerMetadataProperties: { trainingJob: 'churn-xgb' },
    });
    expect(pkg.status, JSON.stringify(pkg.body)).toBe(200);
    const pkgArn = pkg.body.ModelPackageArn as string;
    expect(pkgArn).toBe(arn('model-package', 'churn/1'));
    const refused = await call(loam, 'POST', '/api/v1/models', { ModelName: 'churn-m', PrimaryContainer: { ModelPackageName: pkgArn } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('is PendingManualApproval: only Approved versions');
    expect((await call(loam, 'POST', '/api/v1/model-packages/update', { ModelPackageArn: pkgArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'AUC fine' })).status).toBe(200);
    const model = await call(loam, 'POST', '/api/v1/models', { ModelName: 'churn-m', PrimaryContainer: { ModelPackageName: pkgArn } });
    expect(model.status, JSON.stringify(model.body)).toBe(200);
    await deployEndpoint('churn-a', 'churn-m');
    await deployEndpoint('churn-b', 'churn-m');
    const scored = await invoke(loam, 'churn-a', '0.9,0.8,0.1,0.1\n0.1,0.1,0.5,0.5\n');
    expect(scored.status).toBe(200);
    const [p1, p2] = scored.body.trim().split(/[\n,]/).map(Number) as [number, number];
    expect(p1).toBeGreaterThan(0.5);
    expect(p2).toBeLessThan(0.5);

    // From an endpoint, up to the training data, the flow's processing job that wrote it, and the dataset.
    const up1 = await call(loam, 'POST', '/api/v1/lineage/query', { StartArns: [arn('endpoint', 'churn-a')], Direction: 'Ascendants', MaxResults: 50 });
    expect(up1.status, JSON.stringify(up1.body)).toBe(200);
    // An artifact vertex is named by its location, as DescribeArtifact answers it.
    const seen = await Promise.all(up1.body.Vertices.map(async (v: { Arn: string; LineageType: string }) =>
      v.LineageType === 'Artifact' && v.Arn.includes(':artifact/') ? (await call(loam, 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(v.Arn)}`)).body.Source.SourceUri as string : v.Arn));
    expect(seen).toEqual(expect.arrayContaining([
      arn('endpoint-config', 'churn-a-cfg'), arn('model', 'churn-m'), pkgArn, modelData, arn('training-job', 'churn-xgb'),
      's3://data/churn-train', arn('processing-job', run.ProcessingJobName), arn('dataset', 'churn'),
    ]));
    expect(seen.indexOf(arn('training-job', 'churn-xgb'))).toBeLessThan(seen.indexOf('s3://data/churn-train'));
    expect(seen).not.toContain(arn('endpoint', 'churn-b'));

    // From the dataset, down to both endpoints.
    const down = await call(loam, 'POST', '/api/v1/lineage/query', { StartArns: [arn('dataset', 'churn')], Direction: 'Descendants', Filters: { Types: ['Endpoint'] } });
    expect(down.body.Vertices.map((v: { Arn: string }) => v.Arn).sort()).toEqual([arn('endpoint', 'churn-a'), arn('endpoint', 'churn-b')]);

    // Approval history, for notifications.
    const events = await call(loam, 'GET', '/api/v1/model-package-events?ModelPackageGroupName=churn');
    expect(events.body.Events.map((e: { ModelApprovalStatus: string }) => e.ModelApprovalStatus)).toEqual(['PendingManualApproval', 'Approved']);
    expect(events.body.Events[1].ChangedBy.UserProfileName).toBe('admin');
  }, 120_000);

  it('tags groups and packages, and lists packages over REST', async () => {
    expect((await call(loam, 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'tagged' })).status).toBe(200);
    const t = await call(loam, 'POST', '/api/v1/tags', { ResourceArn: arn('model-package-group', 'tagged'), Tags: [{ Key: 'loam:deployment-approval', Value: 'not-required' }] });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    const p = await call(loam, 'POST', '/api/v1/model-packages', { ModelPackageGroupName: 'tagged', Tags: [{ Key: 'team', Value: 'risk' }] });
    expect((await call(loam, 'GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(p.body.ModelPackageArn)}`)).body.Tags).toEqual([{ Key: 'team', Value: 'risk' }]);
    const list = await call(loam, 'GET', '/api/v1/model-packages?ModelPackageGroupName=tagged');
    expect(list.body.ModelPackageSummaryList).toMatchObject([{ ModelPackageVersion: 1, ModelApprovalStatus: 'PendingManualApproval' }]);
    const d = await call(loam, 'POST', '/api/v1/model-packages/describe', { ModelPackageName: 'tagged/1' });
    expect(d.body).toMatchObject({ ModelPackageGroupName: 'tagged', ModelPackageVersion: 1, ModelPackageStatus: 'Completed' });
  });
});
