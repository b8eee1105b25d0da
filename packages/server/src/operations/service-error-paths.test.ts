import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { cloudWatchService, getOperation, sageMakerService } from '@loam/contracts';
import { ValidationError, invalid } from '@loam/core';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { role } from '../jobs/jobs.test-support.js';
import { Sha256 } from '../transports/s3/s3.test-support.js';
import { withAwsMemberPaths } from './service-error-paths.js';

// A service's own check (core invalid(), a handler's ValidationError made after the schema) named members its own
// way (`ProcessingInputs.0.S3Input.LocalPath`) while the schema errors of the same request name them as AWS does
// (`processingInputs.1.member.s3Input.localPath`). The server renames them at its boundary from the error's
// structured path (fields[].path), so a request's messages name a member one way; the path itself stays a pointer.

const input = (name: string) => getOperation(name)!.input;
const messageOf = (e: unknown) => (e as Error).message;

describe('a service refusal names the member as the schema errors do', () => {
  it('core invalid(): lowerCamelCase, lists 1-based with .member; the pointer kept', () => {
    const e = withAwsMemberPaths(input('CreateProcessingJob'), invalid('ProcessingInputs.0.S3Input.LocalPath', '/etc', 'Member must be under /opt/ml/processing'));
    expect(e).toBeInstanceOf(ValidationError);
    expect(messageOf(e)).toBe("Value '/etc' at 'processingInputs.1.member.s3Input.localPath' failed to satisfy constraint: Member must be under /opt/ml/processing.");
    expect((e as ValidationError).fields).toEqual([{ path: '/ProcessingInputs/0/S3Input/LocalPath', message: 'Member must be under /opt/ml/processing' }]);
  });

  it('a path spelled unquoted, or only its leading part (a list element), is renamed too; a lone member only where quoted', () => {
    const stat = new ValidationError("The value 'tm90' for MetricDataQueries.1.MetricStat.Stat is not valid: …", [{ path: '/MetricDataQueries/1/MetricStat/Stat', message: 'x' }]);
    expect(messageOf(withAwsMemberPaths(input('GetMetricData'), stat))).toBe("The value 'tm90' for metricDataQueries.2.member.metricStat.stat is not valid: …");
    const expression = new ValidationError("MetricDataQueries.1 (Id 'e') has an Expression: …", [{ path: '/MetricDataQueries/1/Expression', message: 'x' }]);
    expect(messageOf(withAwsMemberPaths(input('GetMetricData'), expression))).toBe("metricDataQueries.2.member (Id 'e') has an Expression: …");
    expect(messageOf(withAwsMemberPaths(input('CreateTrainingJob'), invalid('RoleArn', 'x', 'Member must be a role')))).toBe("Value 'x' at 'roleArn' failed to satisfy constraint: Member must be a role.");
    const prose = new ValidationError('The RoleArn names no role.', [{ path: '/RoleArn', message: 'x' }]);
    expect(withAwsMemberPaths(input('CreateTrainingJob'), prose)).toBe(prose);
  });

  it('left alone: a member the input lacks, a map entry, another error, a longer path sharing the prefix', () => {
    const unknown = invalid('Nope.0.Thing', 'x', 'Member must be y');
    expect(withAwsMemberPaths(input('CreateTrainingJob'), unknown)).toBe(unknown);
    const mapEntry = new ValidationError("Value 'x' at 'HyperParameters.eta' failed", [{ path: '/HyperParameters/eta', message: 'x' }]);
    expect(withAwsMemberPaths(input('CreateTrainingJob'), mapEntry)).toBe(mapEntry);
    const other = Object.assign(new Error('InputDataConfig.0.ChannelName'), { code: 'ResourceInUse', fields: [{ path: '/InputDataConfig/0/ChannelName', message: 'x' }] });
    expect(withAwsMemberPaths(input('CreateTrainingJob'), other)).toBe(other);
    const longer = new ValidationError('InputDataConfig.0.ChannelNameX is odd', [{ path: '/InputDataConfig/0/ChannelName', message: 'x' }]);
    expect(withAwsMemberPaths(input('CreateTrainingJob'), longer)).toBe(longer);
  });
});

let loam: TestLoam;
let url: string;
async function start(): Promise<void> {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  await loam.platform.artifacts.ensureBucket('data');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'raw/a.csv' }, Buffer.from('1,a\n'));
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

async function signed(service: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, sha256: Sha256 });
  const s = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, ...headers }, body });
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.headers)) if (k !== 'host') sent[k] = String(v);
  const res = await fetch(`${url}/`, { method: 'POST', headers: sent, body });
  return { status: res.status, text: await res.text() };
}

describe('over the AWS protocols', () => {
  it('CreateProcessingJob (AWS JSON): a LocalPath outside /opt/ml/processing is named processingInputs.1.member.s3Input.localPath', async () => {
    const r = await signed(sageMakerService.signingName, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.CreateProcessingJob' }, JSON.stringify({
      ProcessingJobName: 'paths-bad', RoleArn: role,
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', 'x.py'] },
      ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: 's3://data/raw/', LocalPath: '/etc', S3DataType: 'S3Prefix', S3InputMode: 'File' } }],
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    }));
    expect(r.status, r.text).toBe(400);
    const body = JSON.parse(r.text) as { __type: string; message: string };
    expect(body.__type).toBe('ValidationException');
    expect(body.message).toContain("Value '/etc' at 'processingInputs.1.member.s3Input.localPath' failed to satisfy constraint:");
    expect(body.message).not.toContain('ProcessingInputs.0');
  });

  it('GetMetricData (CloudWatch query protocol): a statistic Loam lacks is named metricDataQueries.2.member.metricStat.stat', async () => {
    const now = Math.floor(Date.now() / 1000);
    const q = (n: number, id: string, stat: string) => ({
      [`MetricDataQueries.member.${n}.Id`]: id, [`MetricDataQueries.member.${n}.MetricStat.Metric.Namespace`]: 'AWS/SageMaker',
      [`MetricDataQueries.member.${n}.MetricStat.Metric.MetricName`]: 'Invocations', [`MetricDataQueries.member.${n}.MetricStat.Period`]: '60', [`MetricDataQueries.member.${n}.MetricStat.Stat`]: stat,
    });
    const form = new URLSearchParams({ Action: 'GetMetricData', Version: cloudWatchService.apiVersion, StartTime: String(now - 600), EndTime: String(now), ...q(1, 'inv', 'Sum'), ...q(2, 'st', 'tm90') });
    const r = await signed(cloudWatchService.signingName, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, form.toString());
    expect(r.status, r.text).toBe(400);
    expect(r.text).toContain('<Code>InvalidParameterValue</Code>');
    expect(r.text).toContain("The value &apos;tm90&apos; for metricDataQueries.2.member.metricStat.stat is not valid");
    expect(r.text).not.toContain('MetricDataQueries.1');
  });
});
