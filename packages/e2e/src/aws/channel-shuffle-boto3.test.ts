import { describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';
import { jobLog, SHARDED_PARTS_PY } from './sharded-channel.test-support.js';

/**
 * Channel.ShuffleConfig through Debian's boto3 against `loam up`: a two-host script-mode job whose channel
 * is ShardedByS3Key gets its objects dealt in the seed's order (SageMaker shuffles the S3Prefix matches
 * with the seed before it shards), checked against an independent Python implementation of the documented
 * permutation; without ShuffleConfig the deal follows key order. DescribeTrainingJob answers the Seed sent.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const program = `${SHARDED_PARTS_PY}
# Each host prints the files its channel holds.
TRAIN = b'import os\\nprint("files", os.environ["SM_CURRENT_HOST"], ",".join(sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"]))))\\n'
s3.put_object(Bucket=B, Key='src/sourcedir.tar.gz', Body=model_tar([('train.py', TRAIN)]))
SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'
def start(name, shuffle):
    channel = {'ChannelName': 'train', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://' + B + '/train/', 'S3DataDistributionType': 'ShardedByS3Key'}}}
    if shuffle is not None: channel['ShuffleConfig'] = {'Seed': shuffle}
    sm.create_training_job(TrainingJobName=name, RoleArn='arn:aws:iam::000000000000:role/LoamTests',
      AlgorithmSpecification={'TrainingImage': SKLEARN, 'TrainingInputMode': 'File'},
      HyperParameters={'sagemaker_program': '"train.py"', 'sagemaker_submit_directory': '"s3://' + B + '/src/sourcedir.tar.gz"'},
      InputDataConfig=[channel], OutputDataConfig={'S3OutputPath': 's3://' + B + '/models'},
      ResourceConfig={'InstanceType': 'ml.m5.large', 'InstanceCount': 2, 'VolumeSizeInGB': 5}, StoppingCondition={'MaxRuntimeInSeconds': 300})
def wait(name):
    d = wait_training(name)
    return {'status': d['TrainingJobStatus'], 'reason': d.get('FailureReason'), 'shuffle': d['InputDataConfig'][0].get('ShuffleConfig')}
def deal(order): return {'algo-%d' % (h + 1): ','.join(sorted(order[h::2])) for h in range(2)}
plain, seeded = ARGS['plain'], ARGS['seeded']
start(plain, None); start(seeded, ARGS['seed'])
print(json.dumps({'plain': wait(plain), 'seeded': wait(seeded),
  'expectPlain': deal(NAMES), 'expectSeeded': deal([NAMES[i] for i in permutation(len(NAMES), ARGS['seed'])])}))
`;

const hostFiles = (log: string) => Object.fromEntries([...log.matchAll(/files (algo-\d) (\S+)/g)].map((m) => [m[1], m[2]]));

describe('boto3: Channel.ShuffleConfig on a ShardedByS3Key channel', () => {
  it('deals the objects to the hosts in the seed\'s order (key order without ShuffleConfig) and Describe answers the Seed', async (ctx) => {
    const [plain, seeded] = [nameForAttempt(ctx.task, 'shard-plain'), nameForAttempt(ctx.task, 'shard-seeded')];
    const out = await boto3<Record<string, any>>(loam, program, { bucket: nameForAttempt(ctx.task, 'shuffle-e2e'), plain, seeded, seed: 1234567 });
    expect(out['plain'], out['plain'].reason).toMatchObject({ status: 'Completed', shuffle: null });
    expect(out['seeded'], out['seeded'].reason).toMatchObject({ status: 'Completed', shuffle: { Seed: 1234567 } });
    expect(hostFiles(await jobLog(loam, plain))).toEqual(out['expectPlain']);
    const dealt = hostFiles(await jobLog(loam, seeded));
    expect(dealt).toEqual(out['expectSeeded']);
    expect(dealt).not.toEqual(out['expectPlain']);
  }, 240_000);
});
