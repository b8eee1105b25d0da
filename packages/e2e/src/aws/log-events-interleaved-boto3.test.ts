import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * FilterLogEvents over streams of different jobs, with Debian's boto3: CloudWatch Logs returns the events of every
 * stream searched sorted by timestamp ("The returned log events are sorted by event timestamp"), and a paginator
 * with any page size returns the same events in the same order. Loam returned one job's events, then the next
 * job's, so two jobs logging at the same time came back unordered (and `aws logs tail` printed them so).
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

// Two processing jobs that print in turn: each waits for the same instant (both have started by then), then prints every 0.5 s, the second
// 0.25 s after the first, so their lines alternate in time.
const program = `
import time
sm = client('sagemaker'); logs = client('logs'); ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
GROUP = '/aws/sagemaker/ProcessingJobs'
# Far enough ahead that both have started (a job's sandbox and Python take seconds to start under load).
start = time.time() + 25
def code(name, offset):
    return ('import time\\n'
            f'start = {start!r} + {offset}\\n'
            'for i in range(10):\\n'
            '    time.sleep(max(0, start + i * 0.5 - time.time()))\\n'
            f'    print("{name} " + str(i), flush=True)\\n')
for name, offset in (('tick', 0), ('tock', 0.25)):
    sm.create_processing_job(ProcessingJobName=name, RoleArn=ROLE,
      AppSpecification={'ImageUri': 'sagemaker-scikit-learn:1.2-1-cpu-py3', 'ContainerEntrypoint': ['python3', '-c', code(name, offset)]},
      ProcessingResources={'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5}},
      StoppingCondition={'MaxRuntimeInSeconds': 120})
status = {}
for _ in range(600):
    status = {n: sm.describe_processing_job(ProcessingJobName=n)['ProcessingJobStatus'] for n in ('tick', 'tock')}
    if all(s in ('Completed', 'Failed', 'Stopped') for s in status.values()): break
    time.sleep(0.3)
streams = [s['logStreamName'] for s in logs.describe_log_streams(logGroupName=GROUP)['logStreams']]
mine = lambda events: [[e['logStreamName'].split('/')[0], e['message'], e['timestamp'], e['eventId']] for e in events if e['message'].startswith(('tick ', 'tock '))]
everything = logs.filter_log_events(logGroupName=GROUP)['events']
whole = mine(everything)
# An independent reference: each stream read alone with GetLogEvents.
each = [[s.split('/')[0], e['message'], e['timestamp']] for s in streams for e in logs.get_log_events(logGroupName=GROUP, logStreamName=s, startFromHead=True)['events'] if e['message'].startswith(('tick ', 'tock '))]
paged = {}
for size in (1, 3, 7):
    pages = list(logs.get_paginator('filter_log_events').paginate(logGroupName=GROUP, logStreamNames=streams, PaginationConfig={'PageSize': size}))
    paged[size] = {'same': mine([e for p in pages for e in p['events']]) == whole, 'pages': len(pages)}
odd = [e[1] for p in logs.get_paginator('filter_log_events').paginate(logGroupName=GROUP, filterPattern='?"k 1" ?"k 3" ?"k 5" ?"k 7" ?"k 9"', PaginationConfig={'PageSize': 2}) for e in mine(p['events'])]
print(json.dumps({'sorted': [e['timestamp'] for e in everything] == sorted(e['timestamp'] for e in everything), 'status': status, 'streams': streams, 'whole': whole, 'each': sorted(each, key=lambda e: e[2]), 'paged': paged, 'odd': odd}))
`;

describe('FilterLogEvents interleaves the events of every stream by timestamp', () => {
  it('returns two jobs logging in turn in time order, the same through a paginator of any page size', async () => {
    const out = await boto3<{ sorted: boolean; status: Record<string, string>; streams: string[]; whole: [string, string, number, string][]; each: [string, string, number][]; paged: Record<string, { same: boolean; pages: number }>; odd: string[] }>(loam, program);
    expect(out.status).toEqual({ tick: 'Completed', tock: 'Completed' });
    expect(out.streams).toHaveLength(2);
    expect(out.sorted).toBe(true);
    const times = out.whole.map((e) => e[2]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Every event once, as the streams hold them, in time order.
    expect(out.whole.map(([job, message, timestamp]) => [job, message, timestamp])).toEqual(out.each);
    expect(out.whole.map((e) => e[1])).toEqual(Array.from({ length: 10 }, (_, i) => [`tick ${i}`, `tock ${i}`]).flat());
    expect(new Set(out.whole.map((e) => e[3])).size).toBe(20);
    for (const [size, p] of Object.entries(out.paged)) {
      expect(p.same, `page size ${size}`).toBe(true);
      expect(p.pages).toBeGreaterThanOrEqual(Math.ceil(20 / Number(size)));
    }
    expect(out.odd).toEqual([1, 3, 5, 7, 9].flatMap((i) => [`tick ${i}`, `tock ${i}`]));
  }, 120_000);
});
