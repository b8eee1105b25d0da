import { describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { boto3, useAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * VpcConfig and the KMS key members (OutputDataConfig.KmsKeyId, ResourceConfig.VolumeKmsKeyId and their
 * processing, transform and endpoint-config counterparts) as boto3 sends them: Loam has no VPC and no KMS,
 * so it records them and answers them back in Describe*, as SageMaker does, and refuses values SageMaker's
 * constraints refuse (id patterns, list counts, key length) with a ValidationException naming the member.
 * Loam already did all of this when the test was written; it guards the contract (docs/aws-clients.md).
 */
let loam: AwsLoam;
useAwsLoam((started) => { loam = started; });

const SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0123456789abcdef0'];
const GROUPS = ['sg-0123456789abcdef0'];
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ALIAS = 'alias/loam-volume';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

const prelude = `
# No client-side checks: the server's answers are what is tested (Debian's botocore refuses an empty list itself).
sm = client('sagemaker', config=Config(parameter_validation=False)); s3 = client('s3')
# Debian's botocore predates CreateEndpointConfig's VpcConfig (it drops the member): put it in the body as a newer one sends it.
EXTRA = {}
def add_extra(params, **_):
  body = json.loads(params['body']); body.update(EXTRA); params['body'] = json.dumps(body).encode(); EXTRA.clear()
sm.meta.events.register('before-call.sagemaker.CreateEndpointConfig', add_extra)
# ... and whose parser drops DescribeEndpointConfig's VpcConfig: read what the server answered.
RAW = {}
sm.meta.events.register('after-call.sagemaker', lambda http_response, model, **_: RAW.__setitem__(model.name, json.loads(http_response.content or b'{}')))
ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
XGB = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1'
SK = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'
V = {'Subnets': ARGS['subnets'], 'SecurityGroupIds': ARGS['groups']}
def bucket(b):
  try: s3.head_bucket(Bucket=b)
  except Exception: s3.create_bucket(Bucket=b)
  s3.put_object(Bucket=b, Key='train/d.csv', Body=b'1,2\\n0,1\\n')
def training(name, vpc=V, out_key=ARGS['arn'], vol_key=ARGS['alias']):
  return dict(TrainingJobName=name, RoleArn=ROLE, HyperParameters={'num_round': '1'},
    AlgorithmSpecification={'TrainingImage': XGB, 'TrainingInputMode': 'File'},
    InputDataConfig=[{'ChannelName': 'train', 'ContentType': 'text/csv', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://' + ARGS['b'] + '/train/'}}}],
    OutputDataConfig={'S3OutputPath': 's3://' + ARGS['b'] + '/out', 'KmsKeyId': out_key},
    ResourceConfig={'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeSizeInGB': 5, 'VolumeKmsKeyId': vol_key},
    VpcConfig=vpc, StoppingCondition={'MaxRuntimeInSeconds': 120})
def processing(name, vpc=V, out_key=ARGS['id'], vol_key=ARGS['arn']):
  return dict(ProcessingJobName=name, RoleArn=ROLE,
    AppSpecification={'ImageUri': SK, 'ContainerEntrypoint': ['python3', '-c', 'print(1)']},
    ProcessingOutputConfig={'Outputs': [{'OutputName': 'o', 'S3Output': {'S3Uri': 's3://' + ARGS['b'] + '/p/', 'LocalPath': '/opt/ml/processing/output', 'S3UploadMode': 'EndOfJob'}}], 'KmsKeyId': out_key},
    ProcessingResources={'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5, 'VolumeKmsKeyId': vol_key}},
    NetworkConfig={'VpcConfig': vpc}, StoppingCondition={'MaxRuntimeInSeconds': 120})
def transform(name, out_key=ARGS['alias'], vol_key=ARGS['id']):
  return dict(TransformJobName=name, ModelName=ARGS['model'],
    TransformInput={'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://' + ARGS['b'] + '/train/'}}, 'ContentType': 'text/csv'},
    TransformOutput={'S3OutputPath': 's3://' + ARGS['b'] + '/t/', 'KmsKeyId': out_key},
    TransformResources={'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeKmsKeyId': vol_key})
def model():
  s3.put_object(Bucket=ARGS['b'], Key='m/model.tar.gz', Body=model_tar([('code/inference.py', b'def model_fn(d): return 1\\n')]))
  sm.create_model(ModelName=ARGS['model'], ExecutionRoleArn=ROLE, PrimaryContainer={'Image': SKLEARN_IMAGE, 'ModelDataUrl': 's3://' + ARGS['b'] + '/m/model.tar.gz',
    'Environment': {'SAGEMAKER_PROGRAM': 'inference.py', 'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code'}}, VpcConfig=V)
def endpoint_config(name, vpc=V, key=ARGS['arn']):
  EXTRA['VpcConfig'] = vpc
  return dict(EndpointConfigName=name, ProductionVariants=[{'VariantName': 'AllTraffic', 'ModelName': ARGS['model'], 'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.large'}],
    KmsKeyId=key)
def refusal(fn):
  try:
    fn()
    return {'code': 'resolved'}
  except Exception as e:
    err = getattr(e, 'response', {}).get('Error', {})
    return {'code': err.get('Code', type(e).__name__), 'message': err.get('Message', str(e)), 'status': getattr(e, 'response', {}).get('ResponseMetadata', {}).get('HTTPStatusCode')}
bucket(ARGS['b'])
`;

// The server is shared by the file's tests, and by a retry when CI retries one: each attempt names its own.
const args = (ctx: { task: { result?: { retryCount?: number } } }, base: string) => ({
  subnets: SUBNETS, groups: GROUPS, arn: KEY_ARN, alias: ALIAS, id: KEY_ID,
  b: nameForAttempt(ctx.task, base), model: nameForAttempt(ctx.task, `${base}-model`), n: nameForAttempt(ctx.task, base),
});

describe('VpcConfig and KMS keys: recorded, echoed in Describe*, checked against SageMaker constraints', () => {
  it('Describe answers what Create sent: training, processing, transform jobs and endpoint configs', async (ctx) => {
    const out = await boto3<Record<string, any>>(loam, `${prelude}
model()
n = ARGS['n']
sm.create_training_job(**training(n))
sm.create_processing_job(**processing(n))
sm.create_transform_job(**transform(n))
sm.create_endpoint_config(**endpoint_config(n))
t = sm.describe_training_job(TrainingJobName=n); p = sm.describe_processing_job(ProcessingJobName=n)
x = sm.describe_transform_job(TransformJobName=n); sm.describe_endpoint_config(EndpointConfigName=n); e = RAW['DescribeEndpointConfig']
m = sm.describe_model(ModelName=ARGS['model'])
print(json.dumps({
  'training': {'vpc': t.get('VpcConfig'), 'out': t['OutputDataConfig'].get('KmsKeyId'), 'vol': t['ResourceConfig'].get('VolumeKmsKeyId')},
  'processing': {'vpc': p.get('NetworkConfig', {}).get('VpcConfig'), 'out': p.get('ProcessingOutputConfig', {}).get('KmsKeyId'), 'vol': p['ProcessingResources']['ClusterConfig'].get('VolumeKmsKeyId')},
  'transform': {'out': x['TransformOutput'].get('KmsKeyId'), 'vol': x['TransformResources'].get('VolumeKmsKeyId')},
  'config': {'vpc': e.get('VpcConfig'), 'key': e.get('KmsKeyId')},
  'model': {'vpc': m.get('VpcConfig')},
}))
`, args(ctx, 'sececho'));
    const vpc = { Subnets: SUBNETS, SecurityGroupIds: GROUPS };
    expect(out).toEqual({
      training: { vpc, out: KEY_ARN, vol: ALIAS },
      processing: { vpc, out: KEY_ID, vol: KEY_ARN },
      transform: { out: ALIAS, vol: KEY_ID },
      config: { vpc, key: KEY_ARN },
      model: { vpc },
    });
  }, 120_000);

  it('values SageMaker refuses answer a 400 ValidationException naming the member, and nothing is created', async (ctx) => {
    const out = await boto3<Record<string, { code: string; message: string; status: number }>>(loam, `${prelude}
model()
n = ARGS['n']
long_key = 'k' * 2049
cases = {
  'training.subnet': lambda: sm.create_training_job(**training(n + '-a', vpc={'Subnets': ['subnet_bad!'], 'SecurityGroupIds': ARGS['groups']})),
  'training.subnets17': lambda: sm.create_training_job(**training(n + '-b', vpc={'Subnets': ['subnet-%d' % i for i in range(17)], 'SecurityGroupIds': ARGS['groups']})),
  'training.groups6': lambda: sm.create_training_job(**training(n + '-c', vpc={'Subnets': ARGS['subnets'], 'SecurityGroupIds': ['sg-%d' % i for i in range(6)]})),
  'training.groupsEmpty': lambda: sm.create_training_job(**training(n + '-d', vpc={'Subnets': ARGS['subnets'], 'SecurityGroupIds': []})),
  'training.groupLong': lambda: sm.create_training_job(**training(n + '-e', vpc={'Subnets': ARGS['subnets'], 'SecurityGroupIds': ['sg-' + 'a' * 30]})),
  'training.outKey': lambda: sm.create_training_job(**training(n + '-f', out_key='key with spaces')),
  'training.volKey': lambda: sm.create_training_job(**training(n + '-g', vol_key=long_key)),
  'processing.subnet': lambda: sm.create_processing_job(**processing(n + '-h', vpc={'Subnets': ['subnet.bad'], 'SecurityGroupIds': ARGS['groups']})),
  'processing.outKey': lambda: sm.create_processing_job(**processing(n + '-i', out_key='alias/bad key')),
  'processing.volKey': lambda: sm.create_processing_job(**processing(n + '-j', vol_key=long_key)),
  'transform.outKey': lambda: sm.create_transform_job(**transform(n + '-k', out_key='bad#key')),
  'transform.volKey': lambda: sm.create_transform_job(**transform(n + '-l', vol_key=long_key)),
  'config.group': lambda: sm.create_endpoint_config(**endpoint_config(n + '-m', vpc={'Subnets': ARGS['subnets'], 'SecurityGroupIds': ['sg bad']})),
  'config.key': lambda: sm.create_endpoint_config(**endpoint_config(n + '-n', key=long_key)),
}
out = {k: refusal(fn) for k, fn in cases.items()}
out['created'] = {'code': str(len(sm.list_training_jobs(NameContains=n)['TrainingJobSummaries']) + len(sm.list_processing_jobs(NameContains=n)['ProcessingJobSummaries'])
  + len(sm.list_transform_jobs(NameContains=n)['TransformJobSummaries']) + len(sm.list_endpoint_configs(NameContains=n)['EndpointConfigs']))}
print(json.dumps(out))
`, args(ctx, 'secbad'));
    const named: Record<string, RegExp> = {
      'training.subnet': /vpcConfig\.subnets\.1\.member/,
      'training.subnets17': /vpcConfig\.subnets/,
      'training.groups6': /vpcConfig\.securityGroupIds/,
      'training.groupsEmpty': /vpcConfig\.securityGroupIds/,
      'training.groupLong': /vpcConfig\.securityGroupIds\.1\.member/,
      'training.outKey': /outputDataConfig\.kmsKeyId/,
      'training.volKey': /resourceConfig\.volumeKmsKeyId/,
      'processing.subnet': /networkConfig\.vpcConfig\.subnets\.1\.member/,
      'processing.outKey': /processingOutputConfig\.kmsKeyId/,
      'processing.volKey': /processingResources\.clusterConfig\.volumeKmsKeyId/,
      'transform.outKey': /transformOutput\.kmsKeyId/,
      'transform.volKey': /transformResources\.volumeKmsKeyId/,
      'config.group': /vpcConfig\.securityGroupIds\.1\.member/,
      'config.key': /kmsKeyId/,
    };
    for (const [k, re] of Object.entries(named)) {
      expect(out[k], k).toMatchObject({ code: 'ValidationException', status: 400 });
      expect(out[k]!.message, k).toMatch(re);
    }
    expect(out['created']).toEqual({ code: '0' });
  }, 120_000);
});
