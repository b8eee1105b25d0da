import { describe, expect, it } from 'vitest';
import { awsCli, type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * Reading an endpoint's metrics as a notebook does on SageMaker, with Debian's boto3 and aws CLI against
 * `loam up`: real invocations (seven answered, three raising in the model), then CloudWatch's
 * GetMetricStatistics, GetMetricData (paged) and ListMetrics over AWS/SageMaker. Counts are exact; the
 * model sleeps 30 ms, so ModelLatency (µs) is at least 30,000 and below a few seconds.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const program = `
import time, datetime
sm, rt, cw = client('sagemaker'), client('sagemaker-runtime'), client('cloudwatch')
INFERENCE = b'import json, time\\ndef model_fn(model_dir):\\n    return 1\\ndef input_fn(body, content_type):\\n    return json.loads(body)\\ndef predict_fn(data, model):\\n    time.sleep(0.03)\\n    if data.get("fail"): raise ValueError("asked to fail")\\n    return {"ok": model}\\ndef output_fn(p, accept):\\n    return json.dumps(p), "application/json"\\n'
deploy_script_model('cwm', INFERENCE, 'cwm-models')
start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
statuses = []
for k in range(10):
    try:
        rt.invoke_endpoint(EndpointName='cwm', ContentType='application/json', Body=json.dumps({'fail': k >= 7}))
        statuses.append(200)
    except Exception as e:
        statuses.append(e.response['ResponseMetadata']['HTTPStatusCode'])
end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=2)
D = [{'Name': 'EndpointName', 'Value': 'cwm'}, {'Name': 'VariantName', 'Value': 'AllTraffic'}]
def stats(metric, **kw):
    r = cw.get_metric_statistics(Namespace='AWS/SageMaker', MetricName=metric, Dimensions=D, StartTime=start, EndTime=end, Period=3600, **kw)
    return [{k: (v.isoformat() if k == 'Timestamp' else v) for k, v in p.items()} for p in r['Datapoints']]
out = {'statuses': statuses}
out['invocations'] = stats('Invocations', Statistics=['Sum', 'SampleCount'])
out['errors'] = {m: stats(m, Statistics=['Sum', 'Average']) for m in ('Invocation4XXErrors', 'Invocation5XXErrors')}
out['latency'] = stats('ModelLatency', Statistics=['Average', 'Minimum', 'Maximum', 'SampleCount'])
out['p99'] = stats('ModelLatency', ExtendedStatistics=['p99', 'p50'])
out['overhead'] = stats('OverheadLatency', Statistics=['Average'])
out['perInstance'] = stats('InvocationsPerInstance', Statistics=['Sum'])
out['wrongUnit'] = stats('ModelLatency', Statistics=['Average'], Unit='Seconds')
out['endpointOnly'] = cw.get_metric_statistics(Namespace='AWS/SageMaker', MetricName='Invocations', Dimensions=D[:1], StartTime=start, EndTime=end, Period=60, Statistics=['Sum'])['Datapoints']
out['period90'] = error_code(cw.get_metric_statistics, Namespace='AWS/SageMaker', MetricName='Invocations', Dimensions=D, StartTime=start, EndTime=end, Period=90, Statistics=['Sum'])
out['tooMany'] = error_code(cw.get_metric_statistics, Namespace='AWS/SageMaker', MetricName='Invocations', Dimensions=D, StartTime=start - datetime.timedelta(days=2), EndTime=end, Period=60, Statistics=['Sum'])
q = lambda i, metric, stat: {'Id': i, 'MetricStat': {'Metric': {'Namespace': 'AWS/SageMaker', 'MetricName': metric, 'Dimensions': D}, 'Period': 60, 'Stat': stat}}
data = cw.get_metric_data(MetricDataQueries=[q('inv', 'Invocations', 'Sum'), q('lat', 'ModelLatency', 'Maximum'), q('e5', 'Invocation5XXErrors', 'Sum')], StartTime=start, EndTime=end, ScanBy='TimestampAscending')
out['data'] = [{'Id': r['Id'], 'Label': r['Label'], 'Values': r['Values'], 'n': len(r['Timestamps']), 'StatusCode': r['StatusCode']} for r in data['MetricDataResults']]
pages = []
for page in cw.get_paginator('get_metric_data').paginate(MetricDataQueries=[q('inv', 'Invocations', 'SampleCount'), q('e5', 'Invocation5XXErrors', 'Sum'), q('lat', 'ModelLatency', 'SampleCount')], StartTime=start, EndTime=end, PaginationConfig={'PageSize': 1}):
    pages.append([[r['Id'], r['Values'], r['StatusCode']] for r in page['MetricDataResults']])
out['pages'] = pages
out['expression'] = error_code(cw.get_metric_data, MetricDataQueries=[{'Id': 'e', 'Expression': 'SUM(METRICS())'}], StartTime=start, EndTime=end)
out['list'] = sorted(m['MetricName'] for m in cw.list_metrics(Namespace='AWS/SageMaker', Dimensions=[{'Name': 'EndpointName', 'Value': 'cwm'}])['Metrics'])
out['listDims'] = cw.list_metrics(Namespace='AWS/SageMaker', MetricName='Invocations')['Metrics']
out['listOther'] = cw.list_metrics(Namespace='AWS/EC2')['Metrics']
print(json.dumps(out, default=str))
`;

describe('boto3 and the aws CLI read an endpoint\'s CloudWatch metrics on loam up', () => {
  it('GetMetricStatistics, GetMetricData and ListMetrics count the invocations exactly and report plausible latencies', async () => {
    const out = await boto3<Record<string, any>>(loam, program);
    // A model that raises answers 500; the caller gets ModelError (424), and SageMaker counts the model's 5XX.
    expect(out['statuses']).toEqual([200, 200, 200, 200, 200, 200, 200, 424, 424, 424]);
    // One period of an hour from the minute StartTime rounds down to holds every invocation.
    expect(out['invocations']).toEqual([{ Timestamp: expect.any(String), Sum: 10, SampleCount: 10, Unit: 'None' }]);
    expect(out['errors']['Invocation5XXErrors']).toEqual([expect.objectContaining({ Sum: 3, Average: 0.3, Unit: 'None' })]);
    expect(out['errors']['Invocation4XXErrors']).toEqual([expect.objectContaining({ Sum: 0, Average: 0 })]);
    const [lat] = out['latency'] as Record<string, number>[];
    expect(lat).toMatchObject({ Unit: 'Microseconds', SampleCount: 10 });
    expect(lat!['Minimum']).toBeGreaterThanOrEqual(30_000);
    expect(lat!['Maximum']).toBeLessThan(5_000_000);
    expect(lat!['Average']).toBeGreaterThanOrEqual(lat!['Minimum']!);
    expect(lat!['Average']).toBeLessThanOrEqual(lat!['Maximum']!);
    const [p] = out['p99'] as { ExtendedStatistics: Record<string, number> }[];
    expect(p!.ExtendedStatistics['p99']).toBeLessThanOrEqual(lat!['Maximum']!);
    expect(p!.ExtendedStatistics['p99']).toBeGreaterThanOrEqual(p!.ExtendedStatistics['p50']!);
    expect(p!.ExtendedStatistics['p50']).toBeGreaterThanOrEqual(lat!['Minimum']!);
    expect(out['overhead'][0]['Average']).toBeGreaterThanOrEqual(0);
    expect(out['perInstance']).toEqual([expect.objectContaining({ Sum: 10 })]); // one instance
    expect(out['wrongUnit']).toEqual([]);
    expect(out['endpointOnly']).toEqual([]); // SageMaker publishes these with both dimensions only
    expect(out['period90']).toBe('InvalidParameterValue');
    expect(out['tooMany']).toBe('InvalidParameterValue');

    // GetMetricData: per-minute values that add up to the same counts, oldest first.
    const byId = Object.fromEntries((out['data'] as { Id: string; Values: number[]; Label: string }[]).map((r) => [r.Id, r]));
    expect(byId['inv']!.Values.reduce((a, b) => a + b, 0)).toBe(10);
    expect(byId['inv']!.Label).toBe('Invocations');
    expect(byId['e5']!.Values.reduce((a, b) => a + b, 0)).toBe(3);
    expect(Math.max(...byId['lat']!.Values)).toBe(lat!['Maximum']);
    // Paged one datapoint at a time, boto3's paginator sees every minute once.
    const pages = out['pages'] as [string, number[], string][][];
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) expect(page.reduce((n, r) => n + r[1].length, 0)).toBe(1);
    const total = (id: string) => pages.flat().filter((r) => r[0] === id).reduce((n, r) => n + r[1].reduce((a, b) => a + b, 0), 0);
    expect([total('inv'), total('e5'), total('lat')]).toEqual([10, 3, 10]);
    expect(out['expression']).toBe('InvalidParameterValue');

    expect(out['list']).toEqual(['Invocation4XXErrors', 'Invocation5XXErrors', 'InvocationsPerInstance', 'Invocations', 'ModelLatency', 'OverheadLatency'].sort());
    expect(out['listDims']).toEqual([{ Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: [{ Name: 'EndpointName', Value: 'cwm' }, { Name: 'VariantName', Value: 'AllTraffic' }] }]);
    expect(out['listOther']).toEqual([]);

    // The aws CLI, as the SageMaker guide's get-metric-statistics example.
    const now = Date.now();
    const cli = await awsCli(loam, ['cloudwatch', 'get-metric-statistics', '--namespace', 'AWS/SageMaker', '--metric-name', 'Invocations',
      '--dimensions', 'Name=EndpointName,Value=cwm', 'Name=VariantName,Value=AllTraffic',
      '--start-time', new Date(now - 600_000).toISOString(), '--end-time', new Date(now + 60_000).toISOString(), '--period', '60', '--statistics', 'Sum']);
    expect(cli.code, cli.stderr).toBe(0);
    const points = (JSON.parse(cli.stdout) as { Datapoints: { Sum: number; Timestamp: string }[] }).Datapoints;
    expect(points.reduce((n, d) => n + d.Sum, 0)).toBe(10);
    for (const d of points) expect(new Date(d.Timestamp).getUTCSeconds()).toBe(0); // minute-aligned
  }, 300_000);
});
