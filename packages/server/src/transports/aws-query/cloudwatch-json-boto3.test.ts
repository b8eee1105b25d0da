import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudWatchService } from '@loam/contracts';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { DEBIAN_PYTHON, runBoto3 } from '../boto3.test-support.js';

/**
 * boto3's `cloudwatch` client speaking AWS JSON 1.0 (botocore 1.42.7 and later: `X-Amz-Target:
 * GraniteServiceVersion20100801.<Action>`, `x-amzn-query-mode: true`, epoch-second timestamps, the query
 * code in `x-amzn-query-error`) against a real Loam on loopback, through the same operations as the query
 * protocol. Two clients: the newest botocore on PATH when it has CloudWatch's JSON face (the pyenv one on
 * the dev machines), and always Debian's boto3 given CloudWatch's model with the JSON protocol its newer
 * model names (`AWS_DATA_PATH`), so the test never depends on a hand-installed package.
 */
const DEBIAN = DEBIAN_PYTHON;
const target = cloudWatchService.json!.targetPrefix;
let loam: TestLoam;
let url: string;
let eve: [string, string];
let dataPath: string;

/** The first python3 on PATH (not Debian's) whose botocore's cloudwatch model lists the json protocol. */
function newerBotocorePython(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const py = join(dir, 'python3');
    if (!dir || dir === '/usr/bin' || dir === '/bin' || !existsSync(py)) continue;
    try {
      const out = execFileSync(py, ['-c', "import botocore.session as s; m=s.get_session().get_service_model('cloudwatch').metadata; print('json' in m.get('protocols', [m['protocol']]))"], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      if (out.trim() === 'True') return py;
    } catch {
      // no botocore there
    }
  }
  return undefined;
}
const newer = newerBotocorePython();


const boto3 = <T>(python: string, program: string, args: Record<string, unknown> = {}) =>
  runBoto3<T>({ url, accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, program, { eve, ...args }, { python, env: python === DEBIAN ? { AWS_DATA_PATH: dataPath } : {} });

beforeAll(async () => {
  if (!existsSync(DEBIAN)) throw new Error(`${DEBIAN} is missing: install Debian's python3-boto3.`);
  // Debian's botocore (1.29) speaks CloudWatch's query protocol; its model with the metadata of the newer
  // one (json, 1.0, GraniteServiceVersion20100801, awsQueryCompatible) makes it send what botocore 1.42.7+ sends.
  const modelDir = execFileSync(DEBIAN, ['-c', "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data', 'cloudwatch', '2010-08-01'))"], { encoding: 'utf8' }).trim();
  const model = JSON.parse(readFileSync(join(modelDir, 'service-2.json'), 'utf8')) as { metadata: Record<string, unknown> };
  Object.assign(model.metadata, { protocol: 'json', protocols: ['json', 'query'], jsonVersion: '1.0', targetPrefix: target, awsQueryCompatible: {} });
  dataPath = mkdtempSync(join(tmpdir(), 'loam-cw-json-'));
  mkdirSync(join(dataPath, 'cloudwatch', '2010-08-01'), { recursive: true });
  writeFileSync(join(dataPath, 'cloudwatch', '2010-08-01', 'service-2.json'), JSON.stringify(model));
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' as const }, requestId: 't' };
  await loam.platform.identity.CreateUser({ UserName: 'eve-json' }, ctx); // no policies
  const key = await loam.platform.identity.CreateAccessKey({ UserName: 'eve-json' }, ctx);
  eve = [key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey];
}, 60_000);
afterAll(async () => {
  await loam?.close();
  if (dataPath) rmSync(dataPath, { recursive: true, force: true });
});

const clients: [string, string | undefined][] = [
  [`the botocore on PATH (${newer ?? 'none with CloudWatch JSON: skipped'})`, newer],
  ["Debian's boto3 with CloudWatch's JSON 1.0 model", DEBIAN],
];

describe.each(clients)("boto3's cloudwatch client over AWS JSON 1.0: %s", (label, python) => {
  const tag = label.startsWith('Debian') ? 'deb' : 'new';
  it.skipIf(python === undefined)('puts, describes and deletes alarms; timestamps are epoch seconds', async () => {
    const out = await boto3<Record<string, any>>(python!, `
import datetime
cw = client('cloudwatch')
cw.put_metric_alarm(AlarmName=ARGS['tag'] + '-5xx', Namespace='AWS/SageMaker', MetricName='Invocation5XXErrors', Statistic='Average', ActionsEnabled=False,
  Dimensions=[{'Name': 'EndpointName', 'Value': 'bg'}, {'Name': 'VariantName', 'Value': 'AllTraffic'}],
  Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator='GreaterThanOrEqualToThreshold', TreatMissingData='notBreaching')
cw.put_metric_alarm(AlarmName=ARGS['tag'] + '-p99', MetricName='ModelLatency', Namespace='AWS/SageMaker', ExtendedStatistic='p99', Dimensions=[{'Name': 'EndpointName', 'Value': 'bg'}],
  Period=10, EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=250000.5, ComparisonOperator='GreaterThanThreshold')
a = cw.describe_alarms(AlarmNames=[ARGS['tag'] + '-5xx'])['MetricAlarms']
ts = a[0]['AlarmConfigurationUpdatedTimestamp']
prefix = [x['AlarmName'] for x in cw.describe_alarms(AlarmNamePrefix=ARGS['tag'] + '-p')['MetricAlarms']]
cw.delete_alarms(AlarmNames=[ARGS['tag'] + '-p99'])
left = [x['AlarmName'] for x in cw.describe_alarms(AlarmNamePrefix=ARGS['tag'])['MetricAlarms']]
print(json.dumps({'alarm': a[0], 'tsType': type(ts).__name__, 'age': (datetime.datetime.now(datetime.timezone.utc) - ts).total_seconds(), 'prefix': prefix, 'left': left, 'sent': SENT}, default=str))
`, { tag });
    for (const h of out['sent']) {
      expect(h['x-amz-target']).toMatch(new RegExp(`^${target}\\.(PutMetricAlarm|DescribeAlarms|DeleteAlarms)$`));
      expect(h['content-type']).toBe('application/x-amz-json-1.0');
    }
    expect(out['alarm']).toMatchObject({ AlarmName: `${tag}-5xx`, ActionsEnabled: false, Threshold: 1, Dimensions: [{ Name: 'EndpointName', Value: 'bg' }, { Name: 'VariantName', Value: 'AllTraffic' }], AlarmArn: expect.stringMatching(/:alarm:(new|deb)-5xx$/) });
    expect(out['tsType']).toBe('datetime'); // botocore parsed the epoch seconds as a timestamp
    expect(Math.abs(out['age'])).toBeLessThan(3600);
    expect(out['prefix']).toEqual([`${tag}-p99`]);
    expect(out['left']).toEqual([`${tag}-5xx`]);
  }, 60_000);

  it.skipIf(python === undefined)("reads an endpoint's metrics: GetMetricStatistics with percentiles, GetMetricData, ListMetrics", async () => {
    const v = loam.platform.endpoints.metrics.variant(`json-${tag}`, 'AllTraffic');
    for (const us of [40_000, 50_000, 60_000]) v.record(200, us, 500);
    const out = await boto3<Record<string, any>>(python!, `
import datetime
cw = client('cloudwatch')
now = datetime.datetime.now(datetime.timezone.utc)
D = [{'Name': 'EndpointName', 'Value': 'json-' + ARGS['tag']}, {'Name': 'VariantName', 'Value': 'AllTraffic'}]
s = cw.get_metric_statistics(Namespace='AWS/SageMaker', MetricName='ModelLatency', Dimensions=D, StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=1), Period=3600, ExtendedStatistics=['p100', 'p50'])
d = cw.get_metric_data(MetricDataQueries=[{'Id': 'm', 'MetricStat': {'Metric': {'Namespace': 'AWS/SageMaker', 'MetricName': 'ModelLatency', 'Dimensions': D}, 'Period': 3600, 'Stat': 'Maximum'}}],
  StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=1))
l = cw.list_metrics(Namespace='AWS/SageMaker', MetricName='Invocations', Dimensions=[{'Name': 'EndpointName', 'Value': 'json-' + ARGS['tag']}])
p = s['Datapoints'][0]
print(json.dumps({'point': {'ext': p['ExtendedStatistics'], 'unit': p['Unit'], 'tsType': type(p['Timestamp']).__name__}, 'values': d['MetricDataResults'][0]['Values'],
  'tsType': type(d['MetricDataResults'][0]['Timestamps'][0]).__name__, 'list': l['Metrics'], 'sent': SENT}))
`, { tag });
    for (const h of out['sent']) expect(h['x-amz-target']).toMatch(new RegExp(`^${target}\\.(GetMetricStatistics|GetMetricData|ListMetrics)$`));
    expect(out['point']).toEqual({ ext: { p100: 60_000, p50: expect.any(Number) }, unit: 'Microseconds', tsType: 'datetime' });
    expect(out['point'].ext.p50).toBeGreaterThanOrEqual(40_000);
    expect(out['point'].ext.p50).toBeLessThanOrEqual(60_000);
    expect(out['values']).toEqual([60_000]);
    expect(out['tsType']).toBe('datetime');
    expect(out['list']).toEqual([{ Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: [{ Name: 'EndpointName', Value: `json-${tag}` }, { Name: 'VariantName', Value: 'AllTraffic' }] }]);
  }, 60_000);

  it.skipIf(python === undefined)("refuses by CloudWatch's query codes (x-amzn-query-error), modeled exceptions included, and stores nothing", async () => {
    const out = await boto3<Record<string, any>>(python!, `
cw = client('cloudwatch')
base = dict(AlarmName='bad-' + ARGS['tag'], Namespace='AWS/SageMaker', MetricName='Invocations', Statistic='Sum', Dimensions=[{'Name': 'EndpointName', 'Value': 'bg'}],
  Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator='GreaterThanThreshold')
print(json.dumps({
  'metric': error(cw.put_metric_alarm, **dict(base, MetricName='CPUUtilization')),
  'modeled': error(cw.put_metric_alarm, **dict(base, Namespace='AWS/EC2')),
  'unknownAction': error(cw.describe_alarm_history),
  'denied': error(client('cloudwatch', key=ARGS['eve']).describe_alarms),
  'badSecret': error(client('cloudwatch', key=[ARGS['id'], 'wrong']).describe_alarms),
  'left': [a['AlarmName'] for a in cw.describe_alarms()['MetricAlarms']],
}))
`, { tag });
    expect(out['metric'][0]).toBe('InvalidParameterValue');
    expect(out['metric'][1]).toContain("at 'metricName'");
    expect(out['modeled'][2]).toBe('InvalidParameterValueException'); // botocore matched the modeled error by the query code
    expect(out['unknownAction'][0]).toBe('InvalidAction');
    expect(out['denied'][0]).toBe('AccessDenied');
    expect(out['badSecret'][0]).toBe('SignatureDoesNotMatch');
    expect(out['left']).not.toContain(`bad-${tag}`);
  }, 60_000);
});

describe('CloudWatch JSON face, raw', () => {
  async function signed(service: string, headers: Record<string, string>, body: string): Promise<{ status: number; queryError: string | null; body: any }> {
    const out = await boto3<{ status: number; queryError: string | null; body: string }>(DEBIAN, `
import urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
req = AWSRequest(method='POST', url=ARGS['url'] + '/', data=ARGS['body'], headers=ARGS['headers'])
SigV4Auth(Credentials(ARGS['id'], ARGS['secret']), ARGS['service'], 'us-east-1').add_auth(req)
try:
  r = urllib.request.urlopen(urllib.request.Request(req.url, data=ARGS['body'].encode(), headers=dict(req.headers), method='POST')); got = {'status': r.status, 'queryError': None, 'body': r.read().decode()}
except urllib.error.HTTPError as e:
  got = {'status': e.code, 'queryError': e.headers.get('x-amzn-query-error'), 'body': e.read().decode()}
print(json.dumps(got))
`, { service, headers, body });
    return { ...out, body: JSON.parse(out.body) };
  }
  const json = { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `${target}.DescribeAlarms`, 'x-amzn-query-mode': 'true' };

  it('is signed for monitoring, over the body: a sagemaker scope and UNSIGNED-PAYLOAD are refused', async () => {
    const ok = await signed('monitoring', json, '{}');
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveProperty('MetricAlarms');
    const scope = await signed('sagemaker', json, '{}');
    expect(scope.status).toBe(400);
    expect(scope.queryError).toBe('IncompleteSignature;Sender');
    const unsigned = await signed('monitoring', { ...json, 'X-Amz-Content-SHA256': 'UNSIGNED-PAYLOAD' }, '{}');
    expect(unsigned.status).toBe(400);
    expect(unsigned.queryError).toBe('IncompleteSignature;Sender');
  }, 60_000);

  it('a body over the limit is refused before the handler, still with the query code in x-amzn-query-error', async () => {
    const res = await loam.app.inject({ method: 'POST', url: '/', headers: json, payload: ' '.repeat(10 * 1024 * 1024 + 1) });
    expect(res.statusCode).toBe(413);
    expect(res.headers['x-amzn-query-error']).toBe('PayloadTooLargeException;Sender');
    expect(res.headers['content-type']).toMatch(/^application\/x-amz-json-1\.0/);
    expect(JSON.parse(res.body)).toMatchObject({ __type: 'PayloadTooLargeException' });
  }, 60_000);

  it('refuses a __proto__ key (as every JSON body) and a member the operation does not have, and pollutes nothing', async () => {
    const proto = await signed('monitoring', json, '{"__proto__": {"NextToken": "abc"}, "AlarmNames": ["x"]}');
    expect(proto.status).toBe(400);
    expect(proto.queryError).toBe('SerializationException;Sender');
    expect(proto.body.message).toContain('__proto__');
    expect(({} as Record<string, unknown>)['NextToken']).toBeUndefined();
    const unknown = await signed('monitoring', json, '{"AlarmNamez": ["x"]}');
    expect(unknown.status).toBe(400);
    expect(unknown.queryError).toBe('InvalidParameterValue;Sender');
    expect(unknown.body.message).toContain('AlarmNamez');
  }, 60_000);
});
