import { describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';
import { jobLog, SHARDED_PARTS_PY } from './sharded-channel.test-support.js';

/**
 * Pipe input mode through Debian's boto3 against `loam up`: a two-host script-mode job with
 * `TrainingInputMode: Pipe`, a ShardedByS3Key channel and ShuffleConfig reads its channel from the FIFOs
 * /opt/ml/input/data/train_0 and train_1. Each epoch the two hosts hold every object once between them,
 * epoch 0 dealt as File mode deals the seed's order, epoch 1 dealt anew; inputdataconfig.json says Pipe.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const program = `${SHARDED_PARTS_PY}
# Each host prints, for epochs 0 and 1, the objects its FIFO streamed, and the channel's mode.
TRAIN = b'''import json, os
host = os.environ["SM_CURRENT_HOST"]
cfg = json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "inputdataconfig.json")))
print("mode", host, cfg["train"]["TrainingInputMode"])
for epoch in (0, 1):
    with open(os.environ["SM_CHANNEL_TRAIN"] + "_" + str(epoch)) as f:
        print("epoch", host, epoch, ",".join(f.read().split()))
'''
s3.put_object(Bucket=B, Key='src/sourcedir.tar.gz', Body=model_tar([('train.py', TRAIN)]))
SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'
name = ARGS['name']
sm.create_training_job(TrainingJobName=name, RoleArn='arn:aws:iam::000000000000:role/LoamTests',
  AlgorithmSpecification={'TrainingImage': SKLEARN, 'TrainingInputMode': 'Pipe'},
  HyperParameters={'sagemaker_program': '"train.py"', 'sagemaker_submit_directory': '"s3://' + B + '/src/sourcedir.tar.gz"'},
  InputDataConfig=[{'ChannelName': 'train', 'ShuffleConfig': {'Seed': ARGS['seed']},
    'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://' + B + '/train/', 'S3DataDistributionType': 'ShardedByS3Key'}}}],
  OutputDataConfig={'S3OutputPath': 's3://' + B + '/models'},
  ResourceConfig={'InstanceType': 'ml.m5.large', 'InstanceCount': 2, 'VolumeSizeInGB': 5}, StoppingCondition={'MaxRuntimeInSeconds': 300})
d = wait_training(name)
order = [NAMES[i] for i in permutation(len(NAMES), ARGS['seed'])]
print(json.dumps({'status': d['TrainingJobStatus'], 'reason': d.get('FailureReason'), 'mode': d['AlgorithmSpecification']['TrainingInputMode'],
  'names': NAMES, 'epoch0': {'algo-%d' % (h + 1): ','.join(order[h::2]) for h in range(2)}}))
`;

describe('boto3: Pipe input mode', () => {
  it('streams each host its shard through train_0 and train_1, reshuffled and dealt anew each epoch', async (ctx) => {
    const name = nameForAttempt(ctx.task, 'pipe-mode');
    const out = await boto3<{ status: string; reason?: string; mode: string; names: string[]; epoch0: Record<string, string> }>(loam, program, { bucket: nameForAttempt(ctx.task, 'pipe-e2e'), name, seed: 1234567 });
    expect(out.status, out.reason).toBe('Completed');
    expect(out.mode).toBe('Pipe');
    const log = await jobLog(loam, name);
    expect([...log.matchAll(/mode (algo-\d) (\w+)/g)].map((m) => `${m[1]} ${m[2]}`).sort()).toEqual(['algo-1 Pipe', 'algo-2 Pipe']);
    const epochs: Record<string, Record<string, string>> = {};
    for (const m of log.matchAll(/epoch (algo-\d) (\d) (\S+)/g)) (epochs[m[2] as string] ??= {})[m[1] as string] = m[3] as string;
    for (const e of ['0', '1']) {
      const dealt = epochs[e] ?? {};
      expect(Object.keys(dealt).sort()).toEqual(['algo-1', 'algo-2']);
      expect(Object.values(dealt).flatMap((v) => v.split(',')).sort()).toEqual(out.names);
    }
    expect(epochs['0']).toEqual(out.epoch0);
    expect(epochs['1']).not.toEqual(epochs['0']);
  }, 240_000);
});
