import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { mlflowCaller } from '../transports/mlflow/mlflow.test-support.js';

// A job's S3Prefix input (or output) in s3://loam-mlflow/ is checked on the runs and experiments holding
// it (ADR 0019). A prefix that reaches into runs' folders without lying inside one (the experiment's
// folder, or a run id's first characters) was checked on the experiments alone, so a user denied one run
// (allowed its experiment) read its artifacts through a processing job, where GetObject and the artifact
// proxy refuse them.

let loam: TestLoam;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
let exp: string;
let run: string;
let carolToken: string;

beforeAll(async () => {
  loam = await openTestLoam();
  const id = loam.platform.identity;
  const owner = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
  exp = (await owner('POST', 'experiments/create', { name: 'shared' })).json['experiment_id'];
  run = (await owner('POST', 'runs/create', { experiment_id: exp })).json['run'].info.run_id;
  const put = await loam.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${exp}/${run}/artifacts/model/model.pkl`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/octet-stream' }, payload: 'weights' });
  expect(put.statusCode, put.body).toBe(200);
  await id.CreateUser({ UserName: 'carol' }, system);
  await id.CreatePolicy({ PolicyName: 'carol-policy', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: `arn:loam:sagemaker:*:*:mlflow-run/${run}` },
  ] }) }, system);
  await id.AttachUserPolicy({ UserName: 'carol', PolicyName: 'carol-policy' }, system);
  carolToken = (await id.CreateApiToken({ UserName: 'carol', TokenName: 't' }, system)).ApiToken.Token;
}, 60_000);
afterAll(async () => loam?.close());

function job(name: string, input: string) {
  return {
    ProcessingJobName: name, RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
    AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', '-c', 'pass'] },
    ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: input, LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix' } }],
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
  };
}

it("a job reading a prefix that reaches a denied run's folder is refused, whatever the prefix", async () => {
  const artifacts = await loam.app.inject({ method: 'GET', url: `/api/2.0/mlflow-artifacts/artifacts/${exp}/${run}/artifacts/model/model.pkl`, headers: { authorization: `Bearer ${carolToken}` } });
  expect(artifacts.statusCode).toBe(403);
  for (const [name, uri] of [
    ['run-folder', `s3://loam-mlflow/mlflow/${exp}/${run}/`],
    ['experiment-folder', `s3://loam-mlflow/mlflow/${exp}/`],
    ['run-id-start', `s3://loam-mlflow/mlflow/${exp}/${run.slice(0, 4)}`],
    ['experiments', 's3://loam-mlflow/mlflow/'],
  ] as const) {
    const r = await loam.app.inject({ method: 'POST', url: '/api/v1/processing-jobs', headers: { authorization: `Bearer ${carolToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(job(name, uri)) });
    expect(r.statusCode, `${name}: ${r.body}`).toBe(403);
    expect(r.body, name).toContain(`mlflow-run/${run}`);
  }
});
