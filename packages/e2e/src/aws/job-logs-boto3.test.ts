import { describe, expect, it } from 'vitest';
import { beforeNextAttempt } from '@loam/testkit/vitest/retry.test-support';
import { awsCli, type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * Jobs' logs through boto3's `logs` client, as the SageMaker Python SDK reads them: `Estimator.fit(logs=True)`,
 * `Processor.run(logs=True)` and `logs_for_job` list the job's streams in /aws/sagemaker/<Kind>Jobs with
 * DescribeLogStreams (prefix `<job>/`, orderBy LogStreamName, limit = instance count) while the job runs, then
 * follow each stream with GetLogEvents (startTime, startFromHead, the nextToken of the page before) until a page is
 * empty, and pick up from the last event's timestamp (skipping the events of that timestamp already printed) on the
 * next poll. Loam did not serve CloudWatch Logs at all, so the SDK's wait for a job with logs failed.
 */
let loam: AwsLoam;
// The second test reads the first one's job, so a failed test is not retried on a new server, except the first:
// its retry would create 'follow-me' again, and it asserts on every stream of the group.
const server = useAwsLoam((started) => (loam = started), { restartAfterFailure: false });

/** The SDK's sagemaker/logs.py (log_stream, multi_stream_iter) and Session._flush_log_streams, over a job that prints while it is followed. */
const program = `
import time, collections
from botocore.exceptions import ClientError
sm = client('sagemaker'); logs = client('logs'); ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
GROUP = '/aws/sagemaker/ProcessingJobs'
code = ('import json, sys, time\\n'
        'host = json.load(open("/opt/ml/config/resourceconfig.json"))["current_host"]\\n'
        'for i in range(40):\\n'
        '    print(f"{host} line {i}", flush=True)\\n'
        '    time.sleep(0.05)\\n'
        'print(f"{host} done", file=sys.stderr, flush=True)\\n')
sm.create_processing_job(ProcessingJobName='follow-me', RoleArn=ROLE,
  AppSpecification={'ImageUri': 'sagemaker-scikit-learn:1.2-1-cpu-py3', 'ContainerEntrypoint': ['python3', '-c', code]},
  ProcessingResources={'ClusterConfig': {'InstanceCount': 2, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5}},
  StoppingCondition={'MaxRuntimeInSeconds': 120})

Position = collections.namedtuple('Position', ['timestamp', 'skip'])
def log_stream(client, log_group, stream_name, start_time=0, skip=0):
    next_token = None
    event_count = 1
    while event_count > 0:
        token_arg = {'nextToken': next_token} if next_token is not None else {}
        response = client.get_log_events(logGroupName=log_group, logStreamName=stream_name, startTime=start_time, startFromHead=True, **token_arg)
        next_token = response['nextForwardToken']
        events = response['events']
        event_count = len(events)
        if event_count > skip:
            events = events[skip:]
            skip = 0
        else:
            skip = skip - event_count
            events = []
        for ev in events:
            yield ev
def multi_stream_iter(client, log_group, streams, positions):
    iters = [log_stream(client, log_group, s, positions[s].timestamp, positions[s].skip) for s in streams]
    events = [next(s, None) for s in iters]
    while any(events):
        i = min((j for j, e in enumerate(events) if e), key=lambda j: events[j]['timestamp'])
        yield (i, events[i])
        events[i] = next(iters[i], None)
printed = collections.defaultdict(list)
stream_names, positions = [], {}
def flush(instance_count, job_name):
    global stream_names
    if len(stream_names) < instance_count:
        try:
            streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=job_name + '/', orderBy='LogStreamName', limit=min(instance_count, 50))
            stream_names = [s['logStreamName'] for s in streams['logStreams']]
            while 'nextToken' in streams:
                streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=job_name + '/', orderBy='LogStreamName', nextToken=streams['nextToken'], limit=50)
                stream_names.extend([s['logStreamName'] for s in streams['logStreams']])
            positions.update([(s, Position(timestamp=0, skip=0)) for s in stream_names if s not in positions])
        except ClientError as e:
            if e.response.get('Error', {}).get('Code') != 'ResourceNotFoundException': raise
    if stream_names:
        for idx, event in multi_stream_iter(logs, GROUP, stream_names, positions):
            printed[stream_names[idx]].append(event['message'])
            ts, count = positions[stream_names[idx]]
            positions[stream_names[idx]] = Position(timestamp=ts, skip=count + 1) if event['timestamp'] == ts else Position(timestamp=event['timestamp'], skip=1)
polls = 0
while True:
    flush(2, 'follow-me')
    polls += 1
    status = sm.describe_processing_job(ProcessingJobName='follow-me')['ProcessingJobStatus']
    if status in ('Completed', 'Failed', 'Stopped'):
        flush(2, 'follow-me')
        break
    time.sleep(0.3)
out = {'status': status, 'polls': polls, 'streams': stream_names, 'printed': {s: [m for m in v if 'line' in m or 'done' in m] for s, v in printed.items()}}

# aws logs get-log-events' way: follow nextForwardToken until the same token comes back.
name = stream_names[0]
pages, token, seen = 0, None, []
while True:
    r = logs.get_log_events(logGroupName=GROUP, logStreamName=name, startFromHead=True, limit=7, **({'nextToken': token} if token else {}))
    seen += [e['message'] for e in r['events']]
    pages += 1
    if r['nextForwardToken'] == token: break
    token = r['nextForwardToken']
out['paged'] = {'pages': pages, 'same_as_followed': seen == printed[name]}
# Without startFromHead, the newest events; a time window.
tail = logs.get_log_events(logGroupName=GROUP, logStreamName=name, limit=3)['events']
out['tail'] = [e['message'] for e in tail]
all_events = logs.get_log_events(logGroupName=GROUP, logStreamName=name, startFromHead=True)['events']
t0 = all_events[10]['timestamp']
# endTime is exclusive for GetLogEvents ("equal to or later than this time are not included"), inclusive for FilterLogEvents.
window = logs.get_log_events(logGroupName=GROUP, logStreamName=name, startFromHead=True, startTime=t0, endTime=t0 + 1)['events']
at_t0 = [e for e in all_events if e['timestamp'] == t0]
out['end_exclusive'] = {
  'get_empty': logs.get_log_events(logGroupName=GROUP, logStreamName=name, startFromHead=True, startTime=t0, endTime=t0)['events'],
  'get_before': all(e['timestamp'] < t0 for e in logs.get_log_events(logGroupName=GROUP, logStreamName=name, endTime=t0)['events']),
  'filter_at': len([e for e in logs.filter_log_events(logGroupName=GROUP, logStreamNames=[name], startTime=t0, endTime=t0)['events']]) == len(at_t0),
}
out['tail_is_last'] = out['tail'] == [e['message'] for e in all_events[-3:]]
out['window'] = all(e['timestamp'] == t0 for e in window) and len(window) >= 1
out['times'] = all(isinstance(e['timestamp'], int) and e['timestamp'] > 1e12 and e['ingestionTime'] >= e['timestamp'] for e in all_events)
# DescribeLogStreams pages with limit=1, and without a prefix.
p = logs.get_paginator('describe_log_streams')
out['paginated'] = [s['logStreamName'] for page in p.paginate(logGroupName=GROUP, PaginationConfig={'PageSize': 1}) for s in page['logStreams']]
out['desc'] = [s['logStreamName'] for s in logs.describe_log_streams(logGroupName=GROUP, descending=True)['logStreams']]
# FilterLogEvents: boto3's paginator over every stream of the job, a pattern, and what the events say.
fp = logs.get_paginator('filter_log_events')
filtered = [e for page in fp.paginate(logGroupName=GROUP, logStreamNamePrefix='follow-me/', PaginationConfig={'PageSize': 10}) for e in page['events']]
whole = logs.filter_log_events(logGroupName=GROUP, logStreamNamePrefix='follow-me/')['events']
out['filter'] = {
  'paged_same': [e['eventId'] for e in filtered] == [e['eventId'] for e in whole] and len(filtered) == len({e['eventId'] for e in filtered}),
  'per_stream': {s: [e['message'] for e in filtered if e['logStreamName'] == s] == printed[s] for s in stream_names},
  'pattern': sorted(e['message'] for e in logs.filter_log_events(logGroupName=GROUP, logStreamNames=[stream_names[1]], filterPattern='"line 3" -"line 30"')['events']),
  'any': sorted(e['message'] for e in logs.filter_log_events(logGroupName=GROUP, filterPattern='?done ?nothing')['events']),
  'after': logs.filter_log_events(logGroupName=GROUP, startTime=all_events[-1]['timestamp'] + 60_000)['events'],
  'json': error_code(logs.filter_log_events, logGroupName=GROUP, filterPattern='{ $.level = "ERROR" }'),
}
out['groups'] = [g['logGroupName'] for g in logs.describe_log_groups(logGroupNamePrefix='/aws/sagemaker/')['logGroups']]
out['errors'] = {
  'group': error_code(logs.describe_log_streams, logGroupName='/aws/sagemaker/Endpoints/nope'),
  'stream': error_code(logs.get_log_events, logGroupName=GROUP, logStreamName='follow-me/algo-9-1'),
  'token': error_code(logs.get_log_events, logGroupName=GROUP, logStreamName=name, nextToken='f/garbage'),
  'not_started': logs.describe_log_streams(logGroupName='/aws/sagemaker/TrainingJobs', logStreamNamePrefix='no-such-job/')['logStreams'],
}
print(json.dumps(out))
`;

describe('boto3 logs client: the SageMaker Python SDK following a job\'s logs', () => {
  it('lists one stream per host and prints every line of each exactly once while the job runs', async (context) => {
    beforeNextAttempt(context, server.restart, 90_000);
    const out = await boto3<Record<string, any>>(loam, program);
    expect(out.status).toBe('Completed');
    expect(out.polls).toBeGreaterThan(1);
    expect(out.streams).toHaveLength(2);
    expect(out.streams[0]).toMatch(/^follow-me\/algo-1-\d{10}$/);
    expect(out.streams[1]).toMatch(/^follow-me\/algo-2-\d{10}$/);
    for (const [i, s] of (out.streams as string[]).entries()) {
      const host = `algo-${i + 1}`;
      expect(out.printed[s]).toEqual([...Array.from({ length: 40 }, (_, n) => `${host} line ${n}`), `${host} done`]);
    }
    expect(out.paged.pages).toBeGreaterThan(2);
    expect(out.paged.same_as_followed).toBe(true);
    expect(out.tail).toHaveLength(3);
    expect(out.tail_is_last).toBe(true);
    expect(out.window).toBe(true);
    expect(out.end_exclusive).toEqual({ get_empty: [], get_before: true, filter_at: true });
    expect(out.times).toBe(true);
    expect(out.paginated).toEqual(out.streams);
    expect(out.desc).toEqual([...out.streams].reverse());
    // By name, as CloudWatch Logs lists log groups.
    expect(out.groups).toEqual(['/aws/sagemaker/ProcessingJobs', '/aws/sagemaker/TrainingJobs', '/aws/sagemaker/TransformJobs']);
    expect(out.filter).toEqual({
      paged_same: true,
      per_stream: { [out.streams[0]]: true, [out.streams[1]]: true },
      pattern: ['algo-2 line 3', 'algo-2 line 31', 'algo-2 line 32', 'algo-2 line 33', 'algo-2 line 34', 'algo-2 line 35', 'algo-2 line 36', 'algo-2 line 37', 'algo-2 line 38', 'algo-2 line 39'],
      any: ['algo-1 done', 'algo-2 done'],
      after: [],
      json: 'InvalidParameterException',
    });
    expect(out.errors).toEqual({ group: 'ResourceNotFoundException', stream: 'ResourceNotFoundException', token: 'InvalidParameterException', not_started: [] });
  }, 180_000);

  it('aws logs get-log-events and describe-log-streams read the same streams', async () => {
    const streams = await awsCli(loam, ['logs', 'describe-log-streams', '--log-group-name', '/aws/sagemaker/ProcessingJobs', '--log-stream-name-prefix', 'follow-me/']);
    expect(streams.code, streams.stderr).toBe(0);
    const names = (JSON.parse(streams.stdout) as { logStreams: { logStreamName: string }[] }).logStreams.map((s) => s.logStreamName);
    expect(names).toHaveLength(2);
    const events = await awsCli(loam, ['logs', 'get-log-events', '--log-group-name', '/aws/sagemaker/ProcessingJobs', '--log-stream-name', names[1] as string, '--start-from-head']);
    expect(events.code, events.stderr).toBe(0);
    const messages = (JSON.parse(events.stdout) as { events: { message: string }[] }).events.map((e) => e.message);
    expect(messages).toContain('algo-2 line 39');
    expect(messages).not.toContain('algo-1 line 0');
    // aws logs tail (FilterLogEvents from --since, every stream under the prefix).
    const tail = await awsCli(loam, ['logs', 'tail', '/aws/sagemaker/ProcessingJobs', '--since', '1h', '--log-stream-name-prefix', 'follow-me/', '--filter-pattern', 'done', '--format', 'short']);
    expect(tail.code, tail.stderr).toBe(0);
    expect(tail.stdout.trim().split('\n').map((l) => l.replace(/^\S+ /, '')).sort()).toEqual(['algo-1 done', 'algo-2 done']);
  }, 60_000);
});
