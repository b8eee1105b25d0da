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

// Two processing jobs that print in turn, from the same instant: each marks itself ready in S3 (a presigned PUT) and
// waits for the instant the test writes once both are ready (a presigned GET), then prints every 0.5 s, the second
// 0.25 s after the first, so their lines alternate in time however long the jobs take to start.
const program = `
import time, urllib.request
from botocore.config import Config
sm = client('sagemaker'); logs = client('logs'); s3 = client('s3', config=Config(signature_version='s3v4'))
ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
GROUP = '/aws/sagemaker/ProcessingJobs'
s3.create_bucket(Bucket='rendezvous')
url = lambda op, key: s3.generate_presigned_url(op, Params={'Bucket': 'rendezvous', 'Key': key}, ExpiresIn=900)
go = url('get_object', 'go')
def code(name, offset):
    return ('import time, urllib.request\\n'
            f'urllib.request.urlopen(urllib.request.Request({url("put_object", "ready/" + name)!r}, method="PUT", data=b"1"))\\n'
            'for _ in range(2400):\\n'
            '    try:\\n'
            f'        start = float(urllib.request.urlopen({go!r}).read()) + {offset}\\n'
            '        break\\n'
            '    except Exception:\\n'
            '        time.sleep(0.05)\\n'
            'for i in range(10):\\n'
            '    time.sleep(max(0, start + i * 0.5 - time.time()))\\n'
            f'    print("{name} " + str(i), flush=True)\\n')
for name, offset in (('tick', 0), ('tock', 0.25)):
    # The program as an input (an entrypoint's member holds 256 characters, less than its presigned URLs).
    s3.put_object(Bucket='rendezvous', Key='code/' + name + '.py', Body=code(name, offset).encode())
    sm.create_processing_job(ProcessingJobName=name, RoleArn=ROLE,
      AppSpecification={'ImageUri': 'sagemaker-scikit-learn:1.2-1-cpu-py3', 'ContainerEntrypoint': ['python3', '/opt/ml/processing/input/code/' + name + '.py']},
      ProcessingInputs=[{'InputName': 'code', 'S3Input': {'S3Uri': 's3://rendezvous/code/' + name + '.py', 'LocalPath': '/opt/ml/processing/input/code', 'S3DataType': 'S3Prefix', 'S3InputMode': 'File'}}],
      ProcessingResources={'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5}},
      StoppingCondition={'MaxRuntimeInSeconds': 240})
def ready(name):
    try: return s3.head_object(Bucket='rendezvous', Key='ready/' + name) is not None
    except Exception: return False
for _ in range(1200):
    if ready('tick') and ready('tock'): break
    time.sleep(0.1)
s3.put_object(Bucket='rendezvous', Key='go', Body=repr(time.time() + 1.5).encode())
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
