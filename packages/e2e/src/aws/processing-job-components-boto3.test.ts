import { readCredentialsProfile } from '@loam/cli';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boto3, useAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * A processing job with ExperimentConfig is, as in SageMaker, the trial component `<job>-aws-processing-job`
 * in the trial it names (Source: the job's ARN, SourceType SageMakerProcessingJob; its inputs and outputs as
 * artifacts), and CreateProcessingJob checks the caller on the experiment and trial it names, as
 * CreateTrainingJob does. Before, the job was no component and the experiment was not checked.
 */
let loam: AwsLoam;
let alice: { id: string; secret: string };

useAwsLoam(async (started) => {
  loam = started;
  // A user who may do anything but touch MLflow experiments, made through the REST API with the admin's token.
  const token = readCredentialsProfile(loam.credentialsFile)?.['loam_api_token'];
  const call = async (method: string, path: string, body: object) => {
    const r = await fetch(`${loam.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, any>;
  };
  const policy = { Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    // She may read the experiments (one she may not read is refused without its id) but not log runs in them.
    { Effect: 'Deny', Action: ['sagemaker:CreateMlflowRun', 'sagemaker:LogMlflowBatch', 'sagemaker:UpdateMlflowRun'], Resource: 'arn:loam:sagemaker:*:*:mlflow-experiment/*' },
  ] };
  await call('POST', '/api/v1/users', { UserName: 'alice' });
  await call('POST', '/api/v1/policies', { PolicyName: 'alice-no-experiments', PolicyDocument: JSON.stringify(policy) });
  await call('PUT', '/api/v1/users/alice/policies/alice-no-experiments', {});
  const key = await call('POST', '/api/v1/access-keys', { UserName: 'alice' });
  alice = { id: key['AccessKey']['AccessKeyId'], secret: key['AccessKey']['SecretAccessKey'] };
});

const prelude = `
import time
sys.path.insert(0, ARGS['checker'])
from botocore_shapes import violations
sm = client('sagemaker'); s3 = client('s3')
RAW = {}
sm.meta.events.register('after-call.sagemaker', lambda http_response, model, **_: RAW.__setitem__(model.name, json.loads(http_response.content or b'{}')))
found = []; unchecked = []
def check(op):
    found.extend(violations(sm.meta.service_model.operation_model(op).output_shape, RAW[op], op, unchecked, partition='loam'))
def processing_job(name, **kw):
    return dict(ProcessingJobName=name, RoleArn='arn:aws:iam::000000000000:role/LoamTests',
        AppSpecification={'ImageUri': 'sagemaker-scikit-learn:1.2-1-cpu-py3', 'ContainerEntrypoint': ['python3', '-c',
            'import shutil; shutil.copy("/opt/ml/processing/input/data.csv", "/opt/ml/processing/output/clean.csv")']},
        ProcessingInputs=[{'InputName': 'raw', 'S3Input': {'S3Uri': 's3://procexp/raw/', 'LocalPath': '/opt/ml/processing/input', 'S3DataType': 'S3Prefix', 'S3InputMode': 'File'}}],
        ProcessingOutputConfig={'Outputs': [{'OutputName': 'clean', 'S3Output': {'S3Uri': 's3://procexp/clean/', 'LocalPath': '/opt/ml/processing/output', 'S3UploadMode': 'EndOfJob'}}]},
        ProcessingResources={'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5}},
        StoppingCondition={'MaxRuntimeInSeconds': 120}, **kw)
s3.create_bucket(Bucket='procexp')
s3.put_object(Bucket='procexp', Key='raw/data.csv', Body=b'1,2\\n')
out = {}
`;

const component = `${prelude}
sm.create_experiment(ExperimentName='prep')
sm.create_trial(TrialName='prep-trial', ExperimentName='prep')
arn = sm.create_processing_job(**processing_job('prep-job', ExperimentConfig={'ExperimentName': 'prep', 'TrialName': 'prep-trial', 'TrialComponentDisplayName': 'Clean'}))['ProcessingJobArn']
sm.get_waiter('processing_job_completed_or_stopped').wait(ProcessingJobName='prep-job', WaiterConfig={'Delay': 1, 'MaxAttempts': 120})
name = 'prep-job-aws-processing-job'
deadline = time.time() + 30
while True:
    listed = sm.list_trial_components(TrialName='prep-trial')['TrialComponentSummaries']
    d = sm.describe_trial_component(TrialComponentName=name) if name in [x['TrialComponentName'] for x in listed] else None
    if d and d['Status']['PrimaryStatus'] == 'Completed' or time.time() > deadline: break
    time.sleep(0.5)
check('ListTrialComponents')
out['listed'] = [[x['TrialComponentName'], x.get('TrialComponentSource'), x.get('DisplayName')] for x in listed]
out['job_status'] = sm.describe_processing_job(ProcessingJobName='prep-job')['ProcessingJobStatus']
if d:
    check('DescribeTrialComponent')
    out['described'] = {'Source': d['Source'], 'Status': d['Status']['PrimaryStatus'], 'InputArtifacts': d['InputArtifacts'], 'OutputArtifacts': d['OutputArtifacts'],
        'Parameters': {k: v for k, v in d['Parameters'].items() if k.startswith('SageMaker.')}}
out['arn'] = arn
out['by_source'] = [x['TrialComponentName'] for x in sm.list_trial_components(SourceArn=arn)['TrialComponentSummaries']]
# A transform job with ExperimentConfig is '<job>-aws-transform-job' in the same trial.
inference = 'def model_fn(model_dir): return None\\ndef predict_fn(data, model): return data\\n'
s3.put_object(Bucket='procexp', Key='model/model.tar.gz', Body=model_tar([('code/inference.py', inference.encode())]))
sm.create_model(ModelName='echo', ExecutionRoleArn=LOAM_ROLE, PrimaryContainer={'Image': SKLEARN_IMAGE, 'ModelDataUrl': 's3://procexp/model/model.tar.gz',
    'Environment': {'SAGEMAKER_PROGRAM': 'inference.py', 'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code'}})
t_arn = sm.create_transform_job(TransformJobName='score', ModelName='echo',
    TransformInput={'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://procexp/raw/'}}, 'ContentType': 'text/csv', 'SplitType': 'Line'},
    TransformOutput={'S3OutputPath': 's3://procexp/scored/'}, TransformResources={'InstanceType': 'ml.m5.large', 'InstanceCount': 1},
    ExperimentConfig={'ExperimentName': 'prep', 'TrialName': 'prep-trial'})['TransformJobArn']
sm.get_waiter('transform_job_completed_or_stopped').wait(TransformJobName='score', WaiterConfig={'Delay': 1, 'MaxAttempts': 180})
deadline = time.time() + 30
while 'score-aws-transform-job' not in [x['TrialComponentName'] for x in sm.list_trial_components(TrialName='prep-trial')['TrialComponentSummaries']] and time.time() < deadline: time.sleep(0.5)
t = sm.describe_trial_component(TrialComponentName='score-aws-transform-job')
out['transform'] = {'Source': t['Source'] == {'SourceArn': t_arn, 'SourceType': 'SageMakerTransformJob'}, 'InputArtifacts': t['InputArtifacts'], 'OutputArtifacts': t['OutputArtifacts'],
    'Parameters': {k: v for k, v in t['Parameters'].items() if k.startswith('SageMaker.')}}
out['in_trial'] = sorted(x['TrialComponentName'] for x in sm.list_trial_components(TrialName='prep-trial')['TrialComponentSummaries'])
# A processing job without ExperimentConfig is no component.
sm.create_processing_job(**processing_job('plain-job'))
sm.get_waiter('processing_job_completed_or_stopped').wait(ProcessingJobName='plain-job', WaiterConfig={'Delay': 1, 'MaxAttempts': 120})
time.sleep(2)
out['plain'] = error_code(sm.describe_trial_component, TrialComponentName='plain-job-aws-processing-job')
print(json.dumps({'out': out, 'violations': found, 'unchecked': unchecked}))
`;

const denied = `${prelude}
sm.create_experiment(ExperimentName='guarded')
def as_alice(name): return boto3.client(name, endpoint_url=ARGS['url'], region_name='us-east-1', aws_access_key_id=ARGS['id'], aws_secret_access_key=ARGS['secret'])
try:
    as_alice('sagemaker').create_processing_job(**processing_job('alice-job', ExperimentConfig={'ExperimentName': 'guarded'}))
    out['refused'] = 'resolved'
except Exception as e:
    out['refused'] = [e.response['Error']['Code'], e.response['Error']['Message']]
out['job'] = error_code(sm.describe_processing_job, ProcessingJobName='alice-job')
# The same job without ExperimentConfig is hers to start: the refusal was the experiment's.
out['plain'] = 'ProcessingJobArn' in as_alice('sagemaker').create_processing_job(**processing_job('alice-plain'))
sm.get_waiter('processing_job_completed_or_stopped').wait(ProcessingJobName='alice-plain', WaiterConfig={'Delay': 1, 'MaxAttempts': 120})
print(json.dumps({'out': out}))
`;

describe('processing jobs as trial components (boto3)', () => {
  it("shows a processing (transform) job with ExperimentConfig in ListTrialComponents(TrialName) as '<job>-aws-processing-job' ('-aws-transform-job'), its Source the job, its inputs and outputs as artifacts", async () => {
    const r = await boto3<{ out: Record<string, any>; violations: string[]; unchecked: string[] }>(loam, component, { checker: dirname(fileURLToPath(import.meta.url)) });
    const o = r.out;
    const source = { SourceArn: o['arn'], SourceType: 'SageMakerProcessingJob' };
    expect(o['job_status']).toBe('Completed');
    expect(o['listed']).toEqual([['prep-job-aws-processing-job', source, 'Clean']]);
    expect(o['described']).toEqual({
      Source: source, Status: 'Completed',
      InputArtifacts: { raw: { Value: 's3://procexp/raw/' } }, OutputArtifacts: { clean: { Value: 's3://procexp/clean/' } },
      Parameters: {
        'SageMaker.ImageUri': { StringValue: 'sagemaker-scikit-learn:1.2-1-cpu-py3' }, 'SageMaker.InstanceType': { StringValue: 'ml.m5.large' },
        'SageMaker.InstanceCount': { NumberValue: 1 }, 'SageMaker.VolumeSizeInGB': { NumberValue: 5 },
      },
    });
    expect(o['by_source']).toEqual(['prep-job-aws-processing-job']);
    expect(o['transform']).toEqual({
      Source: true,
      InputArtifacts: { 'SageMaker.TransformInput': { Value: 's3://procexp/raw/', MediaType: 'text/csv' } }, OutputArtifacts: { 'SageMaker.TransformOutput': { Value: 's3://procexp/scored/' } },
      Parameters: { 'SageMaker.ModelName': { StringValue: 'echo' }, 'SageMaker.InstanceType': { StringValue: 'ml.m5.large' }, 'SageMaker.InstanceCount': { NumberValue: 1 } },
    });
    expect(o['in_trial']).toEqual(['prep-job-aws-processing-job', 'score-aws-transform-job']);
    expect(o['plain']).toBe('ResourceNotFound');
    expect(r.unchecked).toEqual([]);
    expect(r.violations).toEqual([]);
  }, 240_000);

  it('refuses CreateProcessingJob whose ExperimentConfig names an experiment the caller may not log runs in, and stores no job', async () => {
    const r = await boto3<{ out: Record<string, any> }>(loam, denied, { checker: dirname(fileURLToPath(import.meta.url)), id: alice.id, secret: alice.secret });
    const [code, message] = r.out['refused'] as [string, string];
    expect(code).toBe('AccessDeniedException');
    expect(message).toContain('/ExperimentConfig/ExperimentName');
    expect(message).toContain('sagemaker:CreateMlflowRun');
    expect(message).toContain('where the processing job would log its run');
    expect(r.out['job']).toBe('ResourceNotFound');
    expect(r.out['plain']).toBe(true);
  }, 240_000);
});
