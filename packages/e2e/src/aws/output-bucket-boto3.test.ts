import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * An output location whose bucket does not exist, as Debian's boto3 meets it against `loam up`.
 * SageMaker never creates a bucket: it takes the request and fails the job when it uploads
 * (`ClientError: Artifact upload failed:…`). Loam created the bucket and reported success, so a typo in
 * S3OutputPath "worked". Training, a tuning job's training jobs, batch transform and CheckpointConfig.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const program = `
import time
s3 = client('s3'); sm = client('sagemaker'); ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
XGB = {'TrainingImage': '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', 'TrainingInputMode': 'File'}
s3.create_bucket(Bucket='ob-data')
s3.put_object(Bucket='ob-data', Key='train/t.csv', Body=''.join('%d,%d,%d\\n' % (i % 2, i % 2 + i % 3, i % 5) for i in range(60)).encode())
s3.put_object(Bucket='ob-data', Key='in/rows.csv', Body=b'1,2\\n0,4\\n')
CH = [{'ChannelName': 'train', 'ContentType': 'text/csv', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://ob-data/train/'}}}]
def train(name, output, **kw):
    sm.create_training_job(TrainingJobName=name, RoleArn=ROLE, AlgorithmSpecification=XGB, HyperParameters={'num_round': '2', 'objective': 'binary:logistic'},
      InputDataConfig=CH, OutputDataConfig={'S3OutputPath': output}, ResourceConfig={'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeSizeInGB': 5},
      StoppingCondition={'MaxRuntimeInSeconds': 120}, **kw)
def wait(describe, key, **name):
    for _ in range(1500):
        d = describe(**name)
        if d[key] in ('Completed', 'Failed', 'Stopped'): return d
        time.sleep(0.2)
    return d
def job(name):
    d = wait(sm.describe_training_job, 'TrainingJobStatus', TrainingJobName=name)
    return {'status': d['TrainingJobStatus'], 'secondary': d['SecondaryStatus'], 'reason': d.get('FailureReason'), 'model': d.get('ModelArtifacts', {}).get('S3ModelArtifacts')}
def bucket(name):
    return error_code(s3.head_bucket, Bucket=name)
out = {}
train('ob-ok', 's3://ob-data/models')
train('ob-missing', 's3://ob-no-such-bucket/models')
train('ob-ckpt', 's3://ob-data/models', CheckpointConfig={'S3Uri': 's3://ob-no-ckpt-bucket/ck'})
sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName='ob-tune',
  HyperParameterTuningJobConfig={'Strategy': 'Random', 'HyperParameterTuningJobObjective': {'Type': 'Minimize', 'MetricName': 'train:logloss'},
    'ResourceLimits': {'MaxNumberOfTrainingJobs': 1, 'MaxParallelTrainingJobs': 1},
    'ParameterRanges': {'IntegerParameterRanges': [{'Name': 'max_depth', 'MinValue': '2', 'MaxValue': '3'}]}},
  TrainingJobDefinition={'AlgorithmSpecification': XGB, 'RoleArn': ROLE, 'InputDataConfig': CH, 'OutputDataConfig': {'S3OutputPath': 's3://ob-no-tuning-bucket/t'},
    'StaticHyperParameters': {'num_round': '2', 'objective': 'binary:logistic', 'eval_metric': 'logloss'},
    'ResourceConfig': {'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeSizeInGB': 5}, 'StoppingCondition': {'MaxRuntimeInSeconds': 120}})
for name in ('ob-ok', 'ob-missing', 'ob-ckpt'): out[name] = job(name)
tune = wait(sm.describe_hyper_parameter_tuning_job, 'HyperParameterTuningJobStatus', HyperParameterTuningJobName='ob-tune')
trials = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName='ob-tune')['TrainingJobSummaries']
out['tune'] = {'status': tune['HyperParameterTuningJobStatus'], 'trials': [job(t['TrainingJobName']) for t in trials]}
sm.create_model(ModelName='ob-model', ExecutionRoleArn=ROLE, PrimaryContainer={'Image': XGB['TrainingImage'], 'ModelDataUrl': out['ob-ok']['model']})
sm.create_transform_job(TransformJobName='ob-transform', ModelName='ob-model',
  TransformInput={'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://ob-data/in/'}}, 'ContentType': 'text/csv', 'SplitType': 'Line'},
  TransformOutput={'S3OutputPath': 's3://ob-no-transform-bucket/out'}, TransformResources={'InstanceType': 'ml.m5.large', 'InstanceCount': 1})
t = wait(sm.describe_transform_job, 'TransformJobStatus', TransformJobName='ob-transform')
out['transform'] = {'status': t['TransformJobStatus'], 'reason': t.get('FailureReason')}
out['buckets'] = {b: bucket(b) for b in ('ob-data', 'ob-no-such-bucket', 'ob-no-ckpt-bucket', 'ob-no-tuning-bucket', 'ob-no-transform-bucket')}
print(json.dumps(out))
`;

describe('boto3: an output bucket that does not exist fails the job and is never created', () => {
  it('training, a tuning trial and batch transform fail when they upload; a checkpoint bucket when it is restored', async () => {
    const out = await boto3<Record<string, any>>(loam, program);
    expect(out['ob-ok'], out['ob-ok'].reason).toMatchObject({ status: 'Completed', model: 's3://ob-data/models/ob-ok/output/model.tar.gz' });
    expect(out['ob-missing']).toMatchObject({ status: 'Failed', secondary: 'Failed' });
    expect(out['ob-missing'].reason).toBe(
      "ClientError: Artifact upload failed: unable to upload file to s3://ob-no-such-bucket/models/ob-missing/output/model.tar.gz (NoSuchBucket: the bucket 'ob-no-such-bucket' does not exist; Loam does not create output buckets: create it before the job uploads).",
    );
    expect(out['ob-ckpt']).toMatchObject({ status: 'Failed' });
    expect(out['ob-ckpt'].reason).toBe("ClientError: CheckpointConfig.S3Uri 's3://ob-no-ckpt-bucket/ck': the bucket 'ob-no-ckpt-bucket' does not exist (NoSuchBucket); Loam does not create it: create it before the job starts.");
    expect(out['tune'].trials).toHaveLength(1);
    expect(out['tune'].trials[0].status).toBe('Failed');
    expect(out['tune'].trials[0].reason).toMatch(/^ClientError: Artifact upload failed: unable to upload file to s3:\/\/ob-no-tuning-bucket\/t\/ob-tune-\S+\/output\/model\.tar\.gz \(NoSuchBucket: /);
    expect(out['transform'].status).toBe('Failed');
    expect(out['transform'].reason).toMatch(/^ClientError: Artifact upload failed: unable to upload file to s3:\/\/ob-no-transform-bucket\/out\/rows\.csv\.out \(NoSuchBucket: /);
    // Nothing was created along the way.
    expect(out['buckets']).toEqual({ 'ob-data': 'resolved', 'ob-no-such-bucket': '404', 'ob-no-ckpt-bucket': '404', 'ob-no-tuning-bucket': '404', 'ob-no-transform-bucket': '404' });
  }, 300_000);
});
