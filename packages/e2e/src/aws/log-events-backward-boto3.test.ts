import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * GetLogEvents paged backward with boto3, as CloudWatch Logs documents it: `nextToken=<nextBackwardToken>` returns
 * the page of events before the current one, and at the start of the stream the token passed in comes back. Loam's
 * backward token was always `b/` and read nothing, so a client could not page from the newest events to earlier ones.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

/** Two hosts share the job's log, so every page also keeps only its stream's lines. */
const program = `
sm = client('sagemaker'); logs = client('logs'); ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
GROUP = '/aws/sagemaker/ProcessingJobs'
code = ('import json\\n'
        'host = json.load(open("/opt/ml/config/resourceconfig.json"))["current_host"]\\n'
        'for i in range(23):\\n'
        '    print(f"{host} line {i}", flush=True)\\n')
sm.create_processing_job(ProcessingJobName='page-back', RoleArn=ROLE,
  AppSpecification={'ImageUri': 'sagemaker-scikit-learn:1.2-1-cpu-py3', 'ContainerEntrypoint': ['python3', '-c', code]},
  ProcessingResources={'ClusterConfig': {'InstanceCount': 2, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5}},
  StoppingCondition={'MaxRuntimeInSeconds': 120})
sm.get_waiter('processing_job_completed_or_stopped').wait(ProcessingJobName='page-back', WaiterConfig={'Delay': 1, 'MaxAttempts': 120})
stream = [s['logStreamName'] for s in logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix='page-back/')['logStreams'] if '/algo-1-' in s['logStreamName']][0]
def get(**kw): return logs.get_log_events(logGroupName=GROUP, logStreamName=stream, limit=4, **kw)
head = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True)
page = get()
pages = [[e['message'] for e in page['events']]]
tokens = [page['nextBackwardToken']]
for _ in range(20):
    page = get(nextToken=tokens[-1])
    tokens.append(page['nextBackwardToken'])
    if not page['events']: break
    pages.insert(0, [e['message'] for e in page['events']])
# The forward token of a page read backward reads on to the events after it.
second = get(nextToken=tokens[0])
after_second = get(nextToken=second['nextForwardToken'])
print(json.dumps({'status': sm.describe_processing_job(ProcessingJobName='page-back')['ProcessingJobStatus'],
      'all': [e['message'] for e in head['events']], 'pages': pages, 'tokens': tokens,
      'second': [e['message'] for e in second['events']], 'afterSecond': [e['message'] for e in after_second['events']],
      'badToken': error_code(get, nextToken='b/garbage')}))
`;

describe('GetLogEvents backward through boto3', () => {
  it('pages from the newest events to the start, each event once and in order, and the token repeats at the start', async () => {
    const out = await boto3<{ status: string; all: string[]; pages: string[][]; tokens: string[]; second: string[]; afterSecond: string[]; badToken: string }>(loam, program);
    expect(out.status).toBe('Completed');
    // Every event of the stream, read forward: Loam's own lines about the container, then the program's.
    const all = out.all;
    expect(all.slice(-23)).toEqual(Array.from({ length: 23 }, (_, i) => `algo-1 line ${i}`));
    // In pages of 4: the newest page and full pages before it, back to the first events.
    const sizes = out.pages.map((p) => p.length);
    expect(sizes.slice(1).every((n) => n === 4)).toBe(true);
    expect(sizes[0]).toBe(all.length % 4 || 4);
    expect(out.pages.flat()).toEqual(all);
    const [last, beforeLast] = [out.tokens.at(-1), out.tokens.at(-2)];
    expect(last).toBe(beforeLast);
    expect(new Set(out.tokens.slice(0, -1)).size).toBe(out.tokens.length - 1);
    expect(out.second).toEqual(all.slice(-8, -4));
    expect(out.afterSecond).toEqual(all.slice(-4));
    expect(out.badToken).toBe('InvalidParameterException');
  }, 180_000);
});
