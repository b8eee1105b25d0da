import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCredentialsProfile } from '@loam/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beforeNextAttempt } from '@loam/testkit/vitest/retry.test-support';
import { removeDataDir, startLoamProcess, stopLoamProcess, waitForExit } from '../loam-process.test-support.js';
import { awsCli, boto3, requireDebianAwsTools, startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * An endpoint's model-server output through boto3's `logs` client and /usr/bin/aws against `loam up`, where a
 * SageMaker user debugging a failing endpoint looks: the log group /aws/sagemaker/Endpoints/<name>, one stream per
 * instance (<variant>/<instance id>). A script-mode model whose model_fn prints a line and raises: the line and the
 * traceback are in the instance's stream, still after a restart, and gone with DeleteEndpoint; a user denied the
 * group gets AccessDeniedException. Loam kept that output only in memory (a few lines in FailureReason), so the
 * group did not exist.
 */
let loam: AwsLoam;
let reader: { id: string; secret: string };
const GROUP = '/aws/sagemaker/Endpoints/broken-ep';

beforeAll(async () => {
  requireDebianAwsTools();
  loam = await startAwsLoam();
  // A user who may read every log group but this endpoint's, made through the REST API with the admin's token.
  const token = readCredentialsProfile(loam.credentialsFile)?.['loam_api_token'];
  const call = async (method: string, path: string, body?: object) => {
    const r = await fetch(`${loam.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return (await r.json().catch(() => ({}))) as Record<string, any>;
  };
  await call('POST', '/api/v1/users', { UserName: 'log-reader' });
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'logs:*', Resource: '*' },
      { Effect: 'Deny', Action: 'logs:*', Resource: `arn:loam:logs:*:*:log-group:${GROUP}*` },
    ],
  };
  await call('POST', '/api/v1/policies', { PolicyName: 'AllLogsButBroken', PolicyDocument: JSON.stringify(policy) });
  await call('PUT', '/api/v1/users/log-reader/policies/AllLogsButBroken');
  const key = await call('POST', '/api/v1/access-keys', { UserName: 'log-reader' });
  reader = { id: key['AccessKey']['AccessKeyId'], secret: key['AccessKey']['SecretAccessKey'] };
}, 60_000);
afterAll(async () => {
  await stopLoamProcess(loam?.process);
  if (loam) await removeDataDir(loam.dataDir);
});

/** What the logs say about the endpoint, read as its owner would, and what the denied user gets. */
const read = `
logs = client('logs')
G = ARGS['group']
def as_reader(name): return boto3.client(name, endpoint_url=ARGS['url'], region_name='us-east-1', aws_access_key_id=ARGS['id'], aws_secret_access_key=ARGS['secret'])
out = {'groups': [g['logGroupName'] for g in logs.describe_log_groups(logGroupNamePrefix='/aws/sagemaker/Endpoints/')['logGroups']]}
streams = logs.describe_log_streams(logGroupName=G, orderBy='LastEventTime', descending=True)['logStreams']
out['streams'] = [s['logStreamName'] for s in streams]
out['events'] = {s: [e['message'] for e in logs.get_log_events(logGroupName=G, logStreamName=s, startFromHead=True)['events']] for s in out['streams']}
out['filtered'] = [[e['logStreamName'], e['message']] for e in logs.filter_log_events(logGroupName=G, filterPattern='"loam-e2e-broken"')['events']]
r = as_reader('logs')
out['reader'] = {
  'streams': error_code(r.describe_log_streams, logGroupName=G),
  'events': error_code(r.get_log_events, logGroupName=G, logStreamName=(out['streams'] or ['x/y'])[0], startFromHead=True),
  'filter': error_code(r.filter_log_events, logGroupName=G),
  'jobs': error_code(r.describe_log_streams, logGroupName='/aws/sagemaker/TrainingJobs'),
}
print(json.dumps(out))
`;

function expectBrokenLogs(out: Record<string, any>): string {
  expect(out.groups).toEqual([GROUP]);
  expect(out.streams.length).toBeGreaterThanOrEqual(1);
  for (const s of out.streams as string[]) expect(s).toMatch(/^AllTraffic\/broken-ep-alltraffic-\d+$/);
  const stream = out.streams[0] as string;
  const lines = out.events[stream] as string[];
  // The line model_fn printed, then Python's traceback of its exception (stderr), in the order written.
  const printed = lines.indexOf('loading the model from /opt/ml/model for loam-e2e-broken');
  expect(printed, lines.join('\n')).toBeGreaterThanOrEqual(0);
  const traceback = lines.indexOf('Traceback (most recent call last):', printed);
  expect(traceback, lines.join('\n')).toBeGreaterThan(printed);
  expect(lines.slice(traceback)).toContainEqual(expect.stringMatching(/^\s+File ".*inference\.py", line 4, in model_fn$/));
  expect(lines.slice(traceback)).toContain('ValueError: no model here: loam-e2e-broken');
  expect(out.filtered).toContainEqual([stream, 'loading the model from /opt/ml/model for loam-e2e-broken']);
  expect(out.filtered).toContainEqual([stream, 'ValueError: no model here: loam-e2e-broken']);
  expect(out.reader).toEqual({ streams: 'AccessDeniedException', events: 'AccessDeniedException', filter: 'AccessDeniedException', jobs: 'resolved' });
  return stream;
}

/** Deploys the script-mode model whose model_fn prints a line and raises, as endpoint 'broken-ep'; its status once it left Creating. */
function createBroken(): Promise<{ status: string; reason: string }> {
  return boto3<{ status: string; reason: string }>(loam, `
import time
sm = client('sagemaker')
INFERENCE = ('import sys\\n'
  'def model_fn(model_dir):\\n'
  '    print("loading the model from " + model_dir + " for loam-e2e-broken", flush=True)\\n'
  '    raise ValueError("no model here: loam-e2e-broken")\\n')
deploy_script_model('broken', INFERENCE, 'endpoint-logs', files=[('model.bin', b'x')], endpoint='broken-ep', wait=False)
for _ in range(600):
    d = sm.describe_endpoint(EndpointName='broken-ep')
    if d['EndpointStatus'] != 'Creating': break
    time.sleep(0.2)
print(json.dumps({'status': d['EndpointStatus'], 'reason': d.get('FailureReason', '')}))
`);
}

/** Deletes what createBroken made, whatever is left of it (and with the endpoint, its log group). */
async function deleteBroken(): Promise<void> {
  await boto3(loam, `
import time
sm = client('sagemaker')
error_code(sm.delete_endpoint, EndpointName='broken-ep')
for _ in range(300):
    if error_code(sm.describe_endpoint, EndpointName='broken-ep') != 'resolved': break
    time.sleep(0.1)
error_code(sm.delete_endpoint_config, EndpointConfigName='broken')
error_code(sm.delete_model, ModelName='broken')
print('{}')
`);
}

describe("boto3 and aws logs: a script-mode endpoint's model-server output in /aws/sagemaker/Endpoints/<name>", () => {
  let stream: string;

  it("keeps what model_fn printed and its traceback in the instance's stream; a user denied the group is refused", async (context) => {
    // CI's retry creates the endpoint again and expects its group alone: the failed attempt's endpoint goes first.
    beforeNextAttempt(context, deleteBroken);
    const created = await createBroken();
    expect(created.status).toBe('Failed');
    expect(created.reason).toContain('no model here: loam-e2e-broken');
    const out = await boto3<Record<string, any>>(loam, read, { group: GROUP, id: reader.id, secret: reader.secret });
    stream = expectBrokenLogs(out);

    // aws logs tail, as one follows an endpoint from a shell (FilterLogEvents over every stream of the group).
    const tail = await awsCli(loam, ['logs', 'tail', GROUP, '--since', '1h', '--format', 'short']);
    expect(tail.code, tail.stderr).toBe(0);
    expect(tail.stdout).toContain('loading the model from /opt/ml/model for loam-e2e-broken');
    expect(tail.stdout).toContain('ValueError: no model here: loam-e2e-broken');
    const events = await awsCli(loam, ['logs', 'get-log-events', '--log-group-name', GROUP, '--log-stream-name', stream, '--start-from-head']);
    expect(events.code, events.stderr).toBe(0);
    expect((JSON.parse(events.stdout) as { events: { message: string }[] }).events.map((e) => e.message)).toEqual(out.events[stream]);
  }, 180_000);

  it('keeps them across a restart of the server, and removes them with DeleteEndpoint', async (context) => {
    // CI's retry needs the endpoint this attempt may have deleted: made again, with a stream of its own.
    beforeNextAttempt(context, async () => {
      await deleteBroken();
      expect((await createBroken()).status).toBe('Failed');
      stream = expectBrokenLogs(await boto3<Record<string, any>>(loam, read, { group: GROUP, id: reader.id, secret: reader.secret }));
    }, 120_000);
    loam.process.child.kill('SIGTERM');
    expect(await waitForExit(loam.process.child, 20_000)).toBe(0);
    const process = await startLoamProcess(loam.dataDir);
    loam = { ...loam, url: process.url, process };
    const out = await boto3<Record<string, any>>(loam, read, { group: GROUP, id: reader.id, secret: reader.secret });
    expect(expectBrokenLogs(out)).toBe(stream);

    const deleted = await boto3<Record<string, string>>(loam, `
import time
sm = client('sagemaker'); logs = client('logs')
sm.delete_endpoint(EndpointName='broken-ep')
for _ in range(300):
    if error_code(sm.describe_endpoint, EndpointName='broken-ep') != 'resolved': break
    time.sleep(0.1)
print(json.dumps({
  'endpoint': error_code(sm.describe_endpoint, EndpointName='broken-ep'),
  'streams': error_code(logs.describe_log_streams, logGroupName=ARGS['group']),
  'events': error_code(logs.get_log_events, logGroupName=ARGS['group'], logStreamName=ARGS['stream']),
  'groups': [g['logGroupName'] for g in logs.describe_log_groups(logGroupNamePrefix='/aws/sagemaker/Endpoints/')['logGroups']],
}))
`, { group: GROUP, stream });
    expect(deleted).toEqual({ endpoint: 'ValidationException', streams: 'ResourceNotFoundException', events: 'ResourceNotFoundException', groups: [] });
    expect(existsSync(join(loam.dataDir, 'endpoint-logs', 'broken-ep'))).toBe(false);
  }, 120_000);
});
