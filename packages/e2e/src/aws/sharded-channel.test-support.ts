import { runLoam } from '../loam-process.test-support.js';
import type { AwsLoam } from './aws-loam.test-support.js';

/** A job's log lines as one text (`loam logs`, every host's). */
export async function jobLog(loam: AwsLoam, name: string): Promise<string> {
  const r = await runLoam(['--endpoint', loam.url, '--data-dir', loam.dataDir, 'logs', name]);
  if (r.code !== 0) throw new Error(`loam logs ${name}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Python for a boto3 program (after its prelude) on a channel of several objects: clients `s3` and `sm`; bucket
 * `B` (ARGS['bucket']) made, holding `train/<n>` for each of NAMES (part-00.csv … part-09.csv), each object's body
 * its own name; `wait_training(name)`, DescribeTrainingJob's answer once the job ended; and `permutation(n, seed)`,
 * the order ShuffleConfig documents — Fisher-Yates from the last index, partner = SplitMix64(seed) mod (i + 1) —
 * written here apart from Loam's own, as the reference the dealt objects are checked against.
 */
export const SHARDED_PARTS_PY = `
import time
s3 = client('s3'); sm = client('sagemaker')
B = ARGS['bucket']
s3.create_bucket(Bucket=B)
NAMES = ['part-%02d.csv' % i for i in range(10)]
for n in NAMES: s3.put_object(Bucket=B, Key='train/' + n, Body=(n + '\\n').encode())
def wait_training(name):
    for _ in range(1500):
        d = sm.describe_training_job(TrainingJobName=name)
        if d['TrainingJobStatus'] in ('Completed', 'Failed', 'Stopped'): return d
        time.sleep(0.2)
    return d
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
`;
