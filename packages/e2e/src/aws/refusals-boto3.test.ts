import { readCredentialsProfile } from '@loam/cli';
import { describe, expect, it } from 'vitest';
import { boto3, useAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * The refusals of issue 10 as boto3 (Debian's, unchanged) meets them against `loam up`: an expired
 * presigned URL, a skewed clock, a missing IAM action and an operation Loam does not have. Each
 * answers AWS's own code, and nothing is created, written or overwritten.
 */
let loam: AwsLoam;
let reader: { id: string; secret: string };

useAwsLoam(async (started) => {
  loam = started;
  // A user with no policy, made through the REST API with the admin's token (as Studio would).
  const token = readCredentialsProfile(loam.credentialsFile)?.['loam_api_token'];
  const post = async (path: string, body: object) => {
    const r = await fetch(`${loam.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, any>;
  };
  await post('/api/v1/users', { UserName: 'reader' });
  const key = await post('/api/v1/access-keys', { UserName: 'reader' });
  reader = { id: key['AccessKey']['AccessKeyId'], secret: key['AccessKey']['SecretAccessKey'] };
});

const job = (TrainingJobName: string) => ({
  TrainingJobName, RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
  AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
  HyperParameters: { num_round: '2' },
  InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://guarded/train/' } } }],
  OutputDataConfig: { S3OutputPath: 's3://guarded/output' },
  ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
  StoppingCondition: { MaxRuntimeInSeconds: 60 },
});

describe('boto3 refusals: AWS codes, and nothing happens', () => {
  it('an expired presigned GET and PUT answer AccessDenied "Request has expired"; the object is unchanged', async () => {
    const out = await boto3<Record<string, unknown>>(loam, `
import time, urllib.request, urllib.error
s3 = client('s3', config=Config(signature_version='s3v4'))
s3.create_bucket(Bucket='presigned')
s3.put_object(Bucket='presigned', Key='k.csv', Body=b'original')
get = s3.generate_presigned_url('get_object', Params={'Bucket': 'presigned', 'Key': 'k.csv'}, ExpiresIn=1)
put = s3.generate_presigned_url('put_object', Params={'Bucket': 'presigned', 'Key': 'k.csv'}, ExpiresIn=1)
fresh = urllib.request.urlopen(s3.generate_presigned_url('get_object', Params={'Bucket': 'presigned', 'Key': 'k.csv'}, ExpiresIn=60)).read().decode()
time.sleep(2.5)
def fetch(url, method='GET', data=None):
  try:
    r = urllib.request.urlopen(urllib.request.Request(url, method=method, data=data))
    return [r.status, r.read().decode()]
  except urllib.error.HTTPError as e:
    return [e.code, e.read().decode()]
print(json.dumps({'fresh': fresh, 'get': fetch(get), 'put': fetch(put, 'PUT', b'overwritten'),
  'after': s3.get_object(Bucket='presigned', Key='k.csv')['Body'].read().decode()}))
`);
    expect(out['fresh']).toBe('original');
    for (const k of ['get', 'put']) {
      const [status, body] = out[k] as [number, string];
      expect(status).toBe(403);
      expect(body).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
    }
    expect(out['after']).toBe('original');
  }, 60_000);

  it('a clock 20 minutes ahead: InvalidSignatureException (SageMaker) and RequestTimeTooSkewed (S3); nothing created', async () => {
    const out = await boto3<Record<string, string>>(loam, `
import datetime as _dt, botocore.auth
class Skewed(_dt.datetime):
  @classmethod
  def utcnow(cls): return _dt.datetime.utcnow() + _dt.timedelta(minutes=20)
import botocore.crt.auth as crt_auth   # with awscrt installed botocore signs through CRT
real = (botocore.auth.datetime, crt_auth.datetime)
no_retry = Config(retries={'max_attempts': 0})
sm = client('sagemaker', config=no_retry); s3 = client('s3', config=no_retry)
botocore.auth.datetime = crt_auth.datetime = type('datetime_module', (), {'datetime': Skewed, 'timedelta': _dt.timedelta, 'timezone': _dt.timezone})
skewed = {'json': error_code(sm.create_training_job, **ARGS['job']), 's3': error_code(s3.create_bucket, Bucket='skewed')}
botocore.auth.datetime, crt_auth.datetime = real
skewed['job'] = error_code(sm.describe_training_job, TrainingJobName='skewed-job')
skewed['bucket'] = error_code(s3.head_bucket, Bucket='skewed')
print(json.dumps(skewed))
`, { job: job('skewed-job') });
    expect(out).toEqual({ json: 'InvalidSignatureException', s3: 'RequestTimeTooSkewed', job: 'ValidationException', bucket: '404' });
  }, 60_000);

  it('a user without the IAM action: AccessDeniedException (SageMaker) and AccessDenied (S3); nothing created or written', async () => {
    const out = await boto3<Record<string, string>>(loam, `
s3 = client('s3'); sm = client('sagemaker')
s3.create_bucket(Bucket='guarded')
def as_reader(name): return boto3.client(name, endpoint_url=ARGS['url'], region_name='us-east-1', aws_access_key_id=ARGS['id'], aws_secret_access_key=ARGS['secret'])
print(json.dumps({
  'train': error_code(as_reader('sagemaker').create_training_job, **ARGS['job']),
  'put': error_code(as_reader('s3').put_object, Bucket='guarded', Key='train/x.csv', Body=b'1,2'),
  'job': error_code(sm.describe_training_job, TrainingJobName='denied-job'),
  'keys': str(s3.list_objects_v2(Bucket='guarded')['KeyCount']),
}))
`, { job: job('denied-job'), id: reader.id, secret: reader.secret });
    expect(out).toEqual({ train: 'AccessDeniedException', put: 'AccessDenied', job: 'ValidationException', keys: '0' });
  }, 60_000);

  it('an operation Loam does not have answers UnknownOperationException, and the one asked for does not run', async () => {
    const out = await boto3<Record<string, string>>(loam, `
sm = client('sagemaker')
# A correctly signed call whose X-Amz-Target names an operation SageMaker may have but Loam does not.
def rename(request, **kw): request.headers.replace_header('X-Amz-Target', 'SageMaker.CreateUnicorn')
sm.meta.events.register('before-sign.sagemaker.CreateTrainingJob', rename)
print(json.dumps({'unknown': error_code(sm.create_training_job, **ARGS['job']), 'job': error_code(client('sagemaker').describe_training_job, TrainingJobName='unknown-op-job')}))
`, { job: job('unknown-op-job') });
    expect(out).toEqual({ unknown: 'UnknownOperationException', job: 'ValidationException' });
  }, 60_000);
});
