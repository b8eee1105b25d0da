import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsCli, useAwsLoam, type AwsLoam, type Run } from './aws-loam.test-support.js';

/**
 * What a data scientist's shell scripts do with Debian's aws CLI (unchanged) against `loam up`, beyond the
 * train → deploy → invoke scenario of the client matrix: the s3 commands scripts chain, s3api's guards
 * and ranges, --query/--output and --max-items/--starting-token, and the CLI's exit code and message
 * for bad input (252 for what the CLI itself refuses, 254 for what the service refuses).
 */
let loam: AwsLoam;
let scratch: string;

// A failed test is retried on a new server (useAwsLoam) and, like every attempt, with its own scratch directory.
useAwsLoam((started) => (loam = started));
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'loam-aws-cli-scripts-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

async function ok(args: string[]): Promise<string> {
  const r = await awsCli(loam, args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.stdout;
}

/** The CLI's refusal as its user sees it: exit code and the first line of stderr. */
async function refused(args: string[]): Promise<{ code: number; message: string }> {
  const r: Run = await awsCli(loam, args);
  return { code: r.code, message: r.stderr.trim().split('\n')[0] ?? '' };
}

describe('aws CLI shell scripts against loam up', () => {
  it('s3: sync (twice, then after a change), mv/rm --recursive, ls --recursive --human-readable --summarize, get-object --range, list-objects-v2 --delimiter, copy-object --metadata', async () => {
    const local = join(scratch, 'local');
    mkdirSync(join(local, 'sub'), { recursive: true });
    writeFileSync(join(local, 'a.csv'), 'x,y\n1,2\n');
    writeFileSync(join(local, 'sub', 'b.txt'), 'hello');
    await ok(['s3', 'mb', 's3://scripts']);
    expect(await ok(['s3', 'sync', '--no-progress', local, 's3://scripts/data/'])).toContain('upload:');
    expect(await ok(['s3', 'sync', '--no-progress', local, 's3://scripts/data/'])).toBe(''); // nothing changed, nothing sent
    writeFileSync(join(local, 'a.csv'), 'x,y\n1,2\n3,4\n');
    // Only the changed file goes (the CLI prints the local path relative to its working directory).
    expect((await ok(['s3', 'sync', '--no-progress', local, 's3://scripts/data/'])).trim()).toMatch(/^upload: \S*\/local\/a\.csv to s3:\/\/scripts\/data\/a\.csv$/);

    const down = join(scratch, 'down');
    await ok(['s3', 'sync', '--only-show-errors', 's3://scripts/data/', down]);
    expect(readFileSync(join(down, 'a.csv'), 'utf8')).toBe('x,y\n1,2\n3,4\n');
    expect(readFileSync(join(down, 'sub', 'b.txt'), 'utf8')).toBe('hello');

    const ls = await ok(['s3', 'ls', '--recursive', '--human-readable', '--summarize', 's3://scripts/']);
    expect(ls).toMatch(/\s12 Bytes data\/a\.csv\n/);
    expect(ls).toMatch(/Total Objects: 2\n\s+Total Size: 17 Bytes/);

    const range = join(scratch, 'range.out');
    const ranged = JSON.parse(await ok(['s3api', 'get-object', '--bucket', 'scripts', '--key', 'data/a.csv', '--range', 'bytes=4-6', range])) as Record<string, unknown>;
    expect([ranged['ContentRange'], ranged['ContentLength'], readFileSync(range, 'utf8')]).toEqual(['bytes 4-6/12', 3, '1,2']);

    const listed = JSON.parse(await ok(['s3api', 'list-objects-v2', '--bucket', 'scripts', '--prefix', 'data/', '--delimiter', '/'])) as { Contents: { Key: string }[]; CommonPrefixes: { Prefix: string }[] };
    expect([listed.Contents.map((o) => o.Key), listed.CommonPrefixes]).toEqual([['data/a.csv'], [{ Prefix: 'data/sub/' }]]);

    await ok(['s3api', 'copy-object', '--bucket', 'scripts', '--key', 'meta/a.csv', '--copy-source', 'scripts/data/a.csv', '--metadata', 'owner=alice', '--metadata-directive', 'REPLACE', '--content-type', 'text/csv']);
    const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'scripts', '--key', 'meta/a.csv'])) as Record<string, unknown>;
    expect([head['ContentType'], head['Metadata'], head['ContentLength']]).toEqual(['text/csv', { owner: 'alice' }, 12]);

    await ok(['s3', 'mv', '--recursive', '--only-show-errors', 's3://scripts/data/', 's3://scripts/moved/']);
    await ok(['s3', 'rm', '--recursive', '--only-show-errors', 's3://scripts/meta/']);
    expect(await ok(['s3api', 'list-objects-v2', '--bucket', 'scripts', '--query', 'Contents[].Key', '--output', 'text'])).toBe('moved/a.csv\tmoved/sub/b.txt\n');
  }, 120_000);

  it("s3api --expected-bucket-owner / --expected-source-bucket-owner: the account's own id passes, another account's is 403 Access Denied and nothing is written", async () => {
    await ok(['s3', 'mb', 's3://owned']);
    const file = join(scratch, 'owned.txt');
    writeFileSync(file, 'mine');
    await ok(['s3', 'cp', '--only-show-errors', file, 's3://owned/a.txt']);
    const own = '000000000000';
    const other = '111122223333';
    expect(JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'owned', '--key', 'a.txt', '--expected-bucket-owner', own]))).toMatchObject({ ContentLength: 4 });
    // Independent calls run at once (each is a CLI process of its own): the refusals write nothing the others read.
    expect(await Promise.all([
      refused(['s3api', 'head-object', '--bucket', 'owned', '--key', 'a.txt', '--expected-bucket-owner', other]),
      refused(['s3api', 'list-objects-v2', '--bucket', 'owned', '--expected-bucket-owner', other]),
      refused(['s3api', 'put-object', '--bucket', 'owned', '--key', 'b.txt', '--body', file, '--expected-bucket-owner', other]),
      refused(['s3api', 'copy-object', '--bucket', 'owned', '--key', 'c.txt', '--copy-source', 'owned/a.txt', '--expected-source-bucket-owner', other]),
      ok(['s3api', 'copy-object', '--bucket', 'owned', '--key', 'd.txt', '--copy-source', 'owned/a.txt', '--expected-source-bucket-owner', own, '--expected-bucket-owner', own]),
    ])).toEqual([
      // HEAD answers carry no body: the CLI shows the status.
      { code: 254, message: 'An error occurred (403) when calling the HeadObject operation: Forbidden' },
      { code: 254, message: 'An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied' },
      { code: 254, message: 'An error occurred (AccessDenied) when calling the PutObject operation: Access Denied' },
      { code: 254, message: 'An error occurred (AccessDenied) when calling the CopyObject operation: Access Denied' },
      expect.any(String),
    ]);
    expect(await ok(['s3api', 'list-objects-v2', '--bucket', 'owned', '--query', 'Contents[].Key', '--output', 'text'])).toBe('a.txt\td.txt\n');
  }, 60_000);

  it('s3 cp --sse-c is refused (501 NotImplemented naming the header) and nothing is stored; --sse AES256 and aws:kms are accepted', async () => {
    await ok(['s3', 'mb', 's3://sealed']);
    const file = join(scratch, 'secret.txt');
    writeFileSync(file, 'secret');
    const key = join(scratch, 'sse-c.key');
    writeFileSync(key, Buffer.alloc(32, 9));
    // On S3 an SSE-C object is served only to a request with its key: stored plainly, anyone could read it.
    const ssec = await awsCli(loam, ['s3', 'cp', '--no-progress', file, 's3://sealed/c.txt', '--sse-c', 'AES256', '--sse-c-key', `fileb://${key}`]);
    expect(ssec.code).toBe(1);
    expect(ssec.stderr).toMatch(/\(NotImplemented\) when calling the PutObject operation: .*x-amz-server-side-encryption-customer-algorithm \(SSE-C/);
    expect(await refused(['s3api', 'put-object', '--bucket', 'sealed', '--key', 'c.txt', '--body', file, '--sse-customer-algorithm', 'AES256', '--sse-customer-key', 'x'.repeat(32)])).toEqual({
      code: 254,
      message: 'An error occurred (NotImplemented) when calling the PutObject operation: A header or query you provided implies functionality that is not implemented: x-amz-server-side-encryption-customer-algorithm (SSE-C: Loam keeps no customer-provided keys; send the object without --sse-c).',
    });
    await Promise.all([
      ok(['s3', 'cp', '--only-show-errors', file, 's3://sealed/s3.txt', '--sse', 'AES256']),
      ok(['s3', 'cp', '--only-show-errors', file, 's3://sealed/kms.txt', '--sse', 'aws:kms']),
    ]);
    expect(await ok(['s3api', 'list-objects-v2', '--bucket', 'sealed', '--query', 'Contents[].Key', '--output', 'text'])).toBe('kms.txt\ts3.txt\n');
  }, 60_000);

  it('sagemaker: --query with --output text/table, --max-items and --starting-token page by page, add-tags/list-tags/delete-tags', async () => {
    await Promise.all(['grp-a', 'grp-b', 'grp-c'].map((g) => ok(['sagemaker', 'create-model-package-group', '--model-package-group-name', g, '--tags', 'Key=team,Value=ds'])));
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = JSON.parse(await ok(['sagemaker', 'list-model-package-groups', '--sort-by', 'Name', '--sort-order', 'Ascending', '--max-items', '1', ...(token ? ['--starting-token', token] : [])])) as { ModelPackageGroupSummaryList: { ModelPackageGroupName: string }[]; NextToken?: string };
      names.push(...page.ModelPackageGroupSummaryList.map((s) => s.ModelPackageGroupName));
      token = page.NextToken;
    } while (token !== undefined && names.length < 10);
    expect(names).toEqual(['grp-a', 'grp-b', 'grp-c']);
    expect(await ok(['sagemaker', 'list-model-package-groups', '--sort-by', 'Name', '--query', 'ModelPackageGroupSummaryList[].ModelPackageGroupName', '--output', 'text'])).toBe('grp-c\tgrp-b\tgrp-a\n');
    expect(await ok(['sagemaker', 'describe-model-package-group', '--model-package-group-name', 'grp-a', '--output', 'table'])).toMatch(/\|\s+ModelPackageGroupName\s+\|\s+grp-a\s+\|/);

    const arn = (await ok(['sagemaker', 'describe-model-package-group', '--model-package-group-name', 'grp-a', '--query', 'ModelPackageGroupArn', '--output', 'text'])).trim();
    await ok(['sagemaker', 'add-tags', '--resource-arn', arn, '--tags', 'Key=stage,Value=dev', 'Key=owner,Value=bob']);
    expect(await ok(['sagemaker', 'list-tags', '--resource-arn', arn, '--query', 'sort_by(Tags, &Key)[].[Key,Value]', '--output', 'text'])).toBe('owner\tbob\nstage\tdev\nteam\tds\n');
    await ok(['sagemaker', 'delete-tags', '--resource-arn', arn, '--tag-keys', 'stage', 'owner']);
    expect(await ok(['sagemaker', 'list-tags', '--resource-arn', arn, '--query', 'Tags[].Key', '--output', 'text'])).toBe('team\n');
  }, 60_000);

  it("bad input: the CLI's own refusal exits 252; SageMaker's (a name against its pattern, a missing resource) exit 254 with SageMaker's code and words", async () => {
    const job = join(scratch, 'bad-job.json');
    writeFileSync(job, JSON.stringify({ TrainingJobName: 'bad-1' }));
    // Independent refusals, run at once (each is a CLI process of its own).
    const [missing, ...answers] = await Promise.all([
      awsCli(loam, ['sagemaker', 'create-training-job', '--cli-input-json', `file://${job}`]),
      refused(['sagemaker', 'describe-training-job', '--training-job-name', 'bad_name']),
      refused(['sagemaker', 'describe-training-job', '--training-job-name', 'nope']),
      refused(['sagemaker', 'describe-endpoint', '--endpoint-name', 'nope']),
      refused(['s3api', 'head-object', '--bucket', 'no-such-bucket', '--key', 'k']),
    ]);
    expect(missing.code).toBe(252);
    expect(missing.stderr).toContain('Missing required parameter in input: "AlgorithmSpecification"');
    expect(answers).toEqual([
      {
        code: 254,
        message: "An error occurred (ValidationException) when calling the DescribeTrainingJob operation: 1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$.",
      },
      { code: 254, message: "An error occurred (ValidationException) when calling the DescribeTrainingJob operation: Requested resource not found. Training job 'nope' does not exist." },
      { code: 254, message: "An error occurred (ValidationException) when calling the DescribeEndpoint operation: Could not find endpoint 'nope'." },
      { code: 254, message: 'An error occurred (404) when calling the HeadObject operation: Not Found' },
    ]);
  }, 60_000);

  it('cloudwatch get-metric-statistics / get-metric-data: a --unit that is not a CloudWatch unit (a typo) is InvalidParameterValue naming it, not an empty answer', async () => {
    const window = ['--start-time', '2026-01-01T00:00:00Z', '--end-time', '2026-01-01T01:00:00Z'];
    const metric = ['--namespace', 'AWS/SageMaker', '--metric-name', 'ModelLatency', '--dimensions', 'Name=EndpointName,Value=ep', 'Name=VariantName,Value=AllTraffic'];
    // Debian's botocore does not check enums, so the service must: 'Microsecond' answered no datapoints, as if the endpoint had no traffic.
    const query = JSON.stringify([{ Id: 'lat', MetricStat: { Metric: { Namespace: 'AWS/SageMaker', MetricName: 'ModelLatency' }, Period: 60, Stat: 'Maximum', Unit: 'count' } }]);
    // Independent reads, run at once (each is a CLI process of its own).
    const [typo, data, real] = await Promise.all([
      refused(['cloudwatch', 'get-metric-statistics', ...metric, ...window, '--period', '60', '--statistics', 'Maximum', '--unit', 'Microsecond']),
      refused(['cloudwatch', 'get-metric-data', '--metric-data-queries', query, ...window]),
      ok(['cloudwatch', 'get-metric-statistics', ...metric, ...window, '--period', '60', '--statistics', 'Maximum', '--unit', 'Milliseconds']),
    ]);
    expect(typo.code).toBe(254);
    expect(typo.message).toMatch(/^An error occurred \(InvalidParameterValue\) when calling the GetMetricStatistics operation: 1 validation error detected: Value 'Microsecond' at 'unit' failed to satisfy constraint: Member must satisfy enum value set: \[Seconds, Microseconds, /);
    expect(data.code).toBe(254);
    expect(data.message).toMatch(/\(InvalidParameterValue\) when calling the GetMetricData operation: .*Value 'count' at 'metricDataQueries\.1\.member\.metricStat\.unit'/);
    // A real unit the metric is not recorded in is still no datapoints, as in CloudWatch.
    expect(JSON.parse(real)).toEqual({ Label: 'ModelLatency', Datapoints: [] });
  }, 60_000);

  it("sagemaker search: a filter comparing a whole structure is refused naming the members to filter on instead (a typo in a metric's statistic, a nested member left out)", async () => {
    const search = (resource: string, filter: Record<string, string>) => refused(['sagemaker', 'search', '--resource', resource, '--search-expression', JSON.stringify({ Filters: [filter] })]);
    // 'Maxx' makes the name a metric called 'train:loss.Maxx' (metric names may hold dots): its summary, which only Exists takes.
    const [stat, nested] = await Promise.all([
      search('ExperimentTrialComponent', { Name: 'Metrics.train:loss.Maxx', Operator: 'LessThan', Value: '0.5' }),
      search('TrainingJob', { Name: 'InputDataConfig.DataSource', Operator: 'Contains', Value: 'my-data' }),
    ]);
    expect(stat.code).toBe(254);
    expect(stat.message).toMatch(/^An error occurred \(ValidationException\) when calling the Search operation: searchExpression\.filters\.1\.member\.operator: Operator LessThan is not supported for 'Metrics\.train:loss\.Maxx', a structure property; use Exists or NotExists, or name one of its members \(.*Metrics\.train:loss\.Maxx\.Max, .*Metrics\.train:loss\.Maxx\.Avg.*\)\.$/);
    expect(nested.message).toMatch(/Operator Contains is not supported for 'InputDataConfig\.DataSource', a structure property; use Exists or NotExists, or name one of its members \(InputDataConfig\.DataSource\.S3DataSource\)\.$/);
  }, 60_000);

  it("a service Loam does not serve (aws sts, aws ecr, aws iam) is named as such, not answered as a signature for another service", async () => {
    // Independent refusals, run at once (each is a CLI process of its own).
    const [sts, ecr, logs, iam] = await Promise.all([
      refused(['sts', 'get-caller-identity', '--query', 'Account', '--output', 'text']),
      refused(['ecr', 'describe-repositories']),
      refused(['logs', 'create-log-group', '--log-group-name', 'mine']),
      refused(['iam', 'get-role', '--role-name', 'LoamTests']),
    ]);
    expect(sts.code).toBe(254);
    expect(sts.message).toMatch(/^An error occurred \(InvalidAction\) when calling the GetCallerIdentity operation: Loam does not serve the AWS service 'sts' \(Action 'GetCallerIdentity'\)\. .*sagemaker.*s3/);
    expect(ecr.code).toBe(254);
    expect(ecr.message).toMatch(/^An error occurred \(UnknownOperationException\) when calling the DescribeRepositories operation: Loam does not serve the AWS service 'ecr'/);
    // CloudWatch Logs is served for reading jobs' logs (job-logs-boto3.test.ts), not for writing them.
    expect(logs).toEqual({
      code: 254,
      message: "An error occurred (UnknownOperationException) when calling the CreateLogGroup operation: The operation 'Logs_20140328.CreateLogGroup' is not supported. Supported: DescribeLogGroups, DescribeLogStreams, FilterLogEvents, GetLogEvents.",
    });
    expect(iam.message).toMatch(/Loam does not serve the AWS service 'iam' \(Action 'GetRole'\)/);
  }, 60_000);
});
