import { describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { runLoam } from '../loam-process.test-support.js';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * Channel.ShuffleConfig through Debian's boto3 against `loam up`: a two-host script-mode job whose channel
 * is ShardedByS3Key gets its objects dealt in the seed's order (SageMaker shuffles the S3Prefix matches
 * with the seed before it shards), checked against an independent Python implementation of the documented
 * permutation; without ShuffleConfig the deal follows key order. DescribeTrainingJob answers the Seed sent.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

/** The job's log lines (`loam logs`, every host's). */
async function jobLog(name: string): Promise<string> {
  const r = await runLoam(['--endpoint', loam.url, '--data-dir', loam.dataDir, 'logs', name]);
  if (r.code !== 0) throw new Error(`loam logs ${name}: ${r.stderr}`);
  return r.stdout;
}

const program = `
import time
s3 = client('s3'); sm = client('sagemaker')
B = ARGS['bucket']
s3.create_bucket(Bucket=B)
NAMES = ['part-%02d.csv' % i for i in range(10)]
for n in NAMES: s3.put_object(Bucket=B, Key='train/' + n, Body=b'1,2\\n')
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
    for _ in range(1500):
        d = sm.describe_training_job(TrainingJobName=name)
        if d['TrainingJobStatus'] in ('Completed', 'Failed', 'Stopped'): break
        time.sleep(0.2)
    return {'status': d['TrainingJobStatus'], 'reason': d.get('FailureReason'), 'shuffle': d['InputDataConfig'][0].get('ShuffleConfig')}
# The documented permutation, written again here: Fisher-Yates from the last index, partner = SplitMix64(seed) mod (i + 1).
def permutation(n, seed):
    M = (1 << 64) - 1; state = [seed & M]
    def nxt():
        state[0] = (state[0] + 0x9E3779B97F4A7C15) & M
        z = state[0]
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return z ^ (z >> 31)
    a = list(range(n))
    for i in range(n - 1, 0, -1):
        j = nxt() % (i + 1); a[i], a[j] = a[j], a[i]
    return a
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
    expect(hostFiles(await jobLog(plain))).toEqual(out['expectPlain']);
    const dealt = hostFiles(await jobLog(seeded));
    expect(dealt).toEqual(out['expectSeeded']);
    expect(dealt).not.toEqual(out['expectPlain']);
  }, 240_000);
});
