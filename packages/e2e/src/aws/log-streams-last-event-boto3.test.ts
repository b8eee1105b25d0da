import { expect, it } from 'vitest';
import { awsCli, type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * DescribeLogStreams orderBy LastEventTime over jobs, with Debian's boto3 (its paginator, one stream a page) and
 * /usr/bin/aws against `loam up`: a job that started first and still writes has the latest event, though a job that
 * started after it and finished was modified last. Loam ordered jobs' streams by the job's LastModifiedTime, so
 * `describe_log_streams(orderBy='LastEventTime', descending=True, limit=1)` (the newest stream) named the finished
 * job, and the order disagreed with the lastEventTimestamp the same answer gave.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const program = `
import time
sm = client('sagemaker'); logs = client('logs'); ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
G = '/aws/sagemaker/ProcessingJobs'
def job(name, code):
    sm.create_processing_job(ProcessingJobName=name, RoleArn=ROLE,
      AppSpecification={'ImageUri': 'sagemaker-scikit-learn:1.2-1-cpu-py3', 'ContainerEntrypoint': ['python3', '-c', code]},
      ProcessingResources={'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5}},
      StoppingCondition={'MaxRuntimeInSeconds': 300})
def newest(name):
    streams = logs.describe_log_streams(logGroupName=G, logStreamNamePrefix=name + '/')['logStreams']
    if not streams: return None
    events = logs.get_log_events(logGroupName=G, logStreamName=streams[0]['logStreamName'], limit=1)['events']
    return events[-1]['timestamp'] if events else None
def wait(f, what):
    for _ in range(600):
        v = f()
        if v: return v
        time.sleep(0.2)
    raise Exception('timed out waiting for ' + what)
job('talker', 'import time\\nfor i in range(1200):\\n    print("talker tick %d" % i, flush=True)\\n    time.sleep(0.2)\\n')
wait(lambda: newest('talker'), 'talker to write')
job('quiet', 'print("quiet says one thing", flush=True)\\n')
wait(lambda: sm.describe_processing_job(ProcessingJobName='quiet')['ProcessingJobStatus'] in ('Completed', 'Failed'), 'quiet to end')
quiet_last = newest('quiet')
# The talker writes after the quiet job's last event and its end.
wait(lambda: (newest('talker') or 0) > quiet_last + 500 and time.time() * 1000 > quiet_last + 500, 'talker to write on')
out = {'quiet_last': quiet_last,
       'talker_modified': sm.describe_processing_job(ProcessingJobName='talker')['LastModifiedTime'].timestamp() * 1000,
       'quiet_modified': sm.describe_processing_job(ProcessingJobName='quiet')['LastModifiedTime'].timestamp() * 1000}
asc = logs.describe_log_streams(logGroupName=G, orderBy='LastEventTime')['logStreams']
out['ascending'] = [[s['logStreamName'].split('/')[0], s['lastEventTimestamp']] for s in asc]
pages = logs.get_paginator('describe_log_streams').paginate(logGroupName=G, orderBy='LastEventTime', descending=True, PaginationConfig={'PageSize': 1})
out['descending_paged'] = [s['logStreamName'].split('/')[0] for p in pages for s in p['logStreams']]
out['talker_newest_after'] = newest('talker')
sm.stop_processing_job(ProcessingJobName='talker')
print(json.dumps(out))
`;

it("orders jobs' streams by their last event, not by when the job was last modified", async () => {
  const out = await boto3<{
    quiet_last: number; talker_modified: number; quiet_modified: number; ascending: [string, number][]; descending_paged: string[]; talker_newest_after: number;
  }>(loam, program);
  // The case: the quiet job was modified after the talker, which wrote last.
  expect(out.quiet_modified, JSON.stringify(out)).toBeGreaterThan(out.talker_modified);
  expect(out.ascending.map(([job]) => job), JSON.stringify(out)).toEqual(['quiet', 'talker']);
  const [[, quietAt], [, talkerAt]] = out.ascending as [[string, number], [string, number]];
  // lastEventTimestamp is the stream's newest event.
  expect(quietAt).toBe(out.quiet_last);
  expect(talkerAt).toBeGreaterThan(out.quiet_last);
  expect(talkerAt).toBeLessThanOrEqual(out.talker_newest_after);
  expect(out.descending_paged).toEqual(['talker', 'quiet']);

  // The aws CLI's newest stream of the group.
  const newest = await awsCli(loam, ['logs', 'describe-log-streams', '--log-group-name', '/aws/sagemaker/ProcessingJobs', '--order-by', 'LastEventTime', '--descending', '--max-items', '1']);
  expect(newest.code, newest.stderr).toBe(0);
  expect((JSON.parse(newest.stdout) as { logStreams: { logStreamName: string }[] }).logStreams.map((s) => s.logStreamName.split('/')[0])).toEqual(['talker']);
}, 240_000);

it('refuses logStreamNamePrefix with orderBy LastEventTime as CloudWatch Logs does, and lists log groups by name', async () => {
  const out = await boto3<{ refusal: [number, string, string]; byName: unknown[]; groups: string[] }>(loam, `
from botocore.exceptions import ClientError
logs = client('logs')
def refusal(**kw):
    try:
        logs.describe_log_streams(**kw)
        return ['resolved']
    except ClientError as e:
        return [e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Code'], e.response['Error']['Message']]
pages = logs.get_paginator('describe_log_groups').paginate(PaginationConfig={'PageSize': 1})
print(json.dumps({
  'refusal': refusal(logGroupName='/aws/sagemaker/TrainingJobs', logStreamNamePrefix='my-job/', orderBy='LastEventTime'),
  # By name, a prefix is CloudWatch's own use of it.
  'byName': refusal(logGroupName='/aws/sagemaker/TrainingJobs', logStreamNamePrefix='my-job/', orderBy='LogStreamName'),
  'groups': [g['logGroupName'] for p in pages for g in p['logGroups']]}))
`);
  // CloudWatch Logs' code and words for it (its API reference: 'If you order the results by event time, you cannot
  // specify the logStreamNamePrefix parameter').
  expect(out.refusal).toEqual([400, 'InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.']);
  expect(out.byName).toEqual(['resolved']);
  // One group a page, in name order (bytes): no group twice, the jobs' three after the endpoints' ('E' < 'P').
  expect(out.groups).toEqual([...out.groups].sort());
  expect(new Set(out.groups).size).toBe(out.groups.length);
  expect(out.groups.filter((g) => !g.startsWith('/aws/sagemaker/Endpoints/'))).toEqual(['/aws/sagemaker/ProcessingJobs', '/aws/sagemaker/TrainingJobs', '/aws/sagemaker/TransformJobs']);
}, 120_000);
