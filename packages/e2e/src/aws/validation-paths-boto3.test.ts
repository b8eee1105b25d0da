import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * A ValidationException as Debian's boto3 (unchanged) surfaces it against `loam up`: the member named as AWS
 * names it (lowerCamelCase, a list element by its 1-based position and `member`), so the text a script or a
 * search for the error expects is the text it gets. botocore checks neither patterns nor maximum lengths, so
 * those reach the server; with parameter_validation off, so does a missing member.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const job = {
  TrainingJobName: 'member-paths', RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
  AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
  HyperParameters: { num_round: '2' },
  InputDataConfig: [
    { ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://paths/train/' } } },
    { ChannelName: 'bad channel', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://paths/validation/' } } },
  ],
  OutputDataConfig: { S3OutputPath: 's3://paths/output' },
  ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
  StoppingCondition: { MaxRuntimeInSeconds: 60 },
  Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'note', Value: 'x'.repeat(257) }],
};

describe('boto3: validation errors name the member as AWS does', () => {
  it('a nested list member: inputDataConfig.2.member.channelName, tags.2.member.value; two errors joined with "; "', async () => {
    const out = await boto3<Record<string, string>>(loam, `
from botocore.exceptions import ClientError
sm = client('sagemaker')
lax = client('sagemaker', config=Config(parameter_validation=False))
def message(fn, **kw):
    try:
        fn(**kw)
        return 'resolved'
    except ClientError as e:
        return e.response['Error']['Code'] + ': ' + e.response['Error']['Message'] + ' | ' + str(e)
print(json.dumps({
  'both': message(sm.create_training_job, **ARGS['job']),
  'missing': message(lax.add_tags, ResourceArn='arn:aws:sagemaker:us-east-1:000000000000:training-job/x', Tags=[{'Key': 'a', 'Value': 'b'}, {'Key': 'team'}]),
  'jobs': str(len(sm.list_training_jobs()['TrainingJobSummaries'])),
}))
`, { job });
    const [both, shown] = out['both']!.split(' | ');
    expect(both).toBe(
      "ValidationException: 2 validation errors detected: Value 'bad channel' at 'inputDataConfig.2.member.channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[A-Za-z0-9\\.\\-_]+$; "
      + `Value '${'x'.repeat(120)}…' at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256.`,
    );
    // botocore's own rendering of the error, as a traceback shows it.
    expect(shown).toMatch(/^An error occurred \(ValidationException\) when calling the CreateTrainingJob operation: 2 validation errors detected: Value 'bad channel' at 'inputDataConfig\.2\.member\.channelName'/);
    expect(out['missing']!.split(' | ')[0]).toBe("ValidationException: 1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null.");
    expect(out['jobs']).toBe('0');
  }, 60_000);
});
