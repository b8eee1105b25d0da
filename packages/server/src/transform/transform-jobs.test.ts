import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { text } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import type { GbdtModel } from '@loam/ml/gbdt/index';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, storeGbdtModel, xgboostImage } from '../endpoints/endpoints.test-support.js';

// Transform jobs through the app: the job runs on the executor through the runner, the batch driver
// and the built-in model server; predictions are checked against the same model's in-process predict.

let loam: TestLoam;
let model: GbdtModel;
let raw: number[][];
const arn = (kind: string, name: string) => `arn:loam:sagemaker:us-east-1:000000000000:${kind}/${name}`;

async function put(uri: string, body: string): Promise<void> {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as RegExpExecArray;
  await loam.platform.artifacts.ensureBucket(m[1] as string);
  await loam.platform.artifacts.put({ bucket: m[1] as string, key: m[2] as string }, Buffer.from(body));
}
async function putBytes(uri: string, body: Buffer): Promise<void> {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as RegExpExecArray;
  await loam.platform.artifacts.ensureBucket(m[1] as string);
  await loam.platform.artifacts.put({ bucket: m[1] as string, key: m[2] as string }, body);
}
async function get(uri: string): Promise<string> {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as RegExpExecArray;
  return text((await loam.platform.artifacts.get({ bucket: m[1] as string, key: m[2] as string })).body as never);
}
async function waitForJob(name: string, timeoutMs = 150_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const d = await call(loam, 'GET', `/api/v1/transform-jobs/${name}`);
    if (['Completed', 'Failed', 'Stopped'].includes(d.body.TransformJobStatus)) return d.body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`transform job ${name} still ${d.body.TransformJobStatus}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
const job = (name: string, over: Record<string, unknown> = {}) => ({
  TransformJobName: name, ModelName: 'gbdt',
  TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://batch/in/' } }, ContentType: 'text/csv', SplitType: 'Line' },
  TransformOutput: { S3OutputPath: `s3://batch/out/${name}`, AssembleWith: 'Line', Accept: 'text/csv' },
  TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
  BatchStrategy: 'MultiRecord', MaxPayloadInMB: 1,
  ...over,
});

async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.jobs.scheduler.start();
  ({ model, raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'gbdt/model.tar.gz' }));
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'gbdt', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/gbdt/model.tar.gz' } })).status).toBe(200);
  // Two files, one in a folder, each row prefixed with an id column the model must not see.
  await put('s3://batch/in/part-a.csv', raw.slice(0, 150).map((r, i) => `a${i},${r.join(',')}`).join('\n') + '\n');
  await put('s3://batch/in/more/part-b.csv', raw.slice(150, 400).map((r, i) => `b${i},${r.join(',')}`).join('\n') + '\n');
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('transform jobs through the API', () => {
  it('scores every file to <key>.out with the id joined back, as the model predicts in process', async () => {
    const created = await call(loam, 'POST', '/api/v1/transform-jobs', job('score', { DataProcessing: { InputFilter: '$[1:]', JoinSource: 'Input', OutputFilter: '$[0,-1]' } }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.TransformJobArn).toBe(arn('transform-job', 'score'));
    const d = await waitForJob('score');
    expect(d.TransformJobStatus, d.FailureReason).toBe('Completed');
    expect(d).toMatchObject({ ModelName: 'gbdt', BatchStrategy: 'MultiRecord', DataProcessing: { JoinSource: 'Input' } });
    expect(d.TransformEndTime).toBeGreaterThanOrEqual(d.TransformStartTime);
    const expected = (rows: number[][], prefix: string) => rows.map((r, i) => `${prefix}${i},${model.predictRow(r)[0] as number}\n`).join('');
    expect(await get('s3://batch/out/score/part-a.csv.out')).toBe(expected(raw.slice(0, 150), 'a'));
    expect(await get('s3://batch/out/score/more/part-b.csv.out')).toBe(expected(raw.slice(150, 400), 'b'));
    const logs = await call(loam, 'GET', '/api/v1/transform-jobs/score/logs');
    expect(logs.body.Events.map((e: { Message: string }) => e.Message)).toEqual(expect.arrayContaining(['Transformed part-a.csv: 150 record(s) in 1 request(s).', 'Transformed more/part-b.csv: 250 record(s) in 1 request(s).']));
    const listed = await call(loam, 'GET', '/api/v1/transform-jobs?NameContains=scor');
    expect(listed.body.TransformJobSummaries).toMatchObject([{ TransformJobName: 'score', TransformJobStatus: 'Completed' }]);
    // Lineage: model and input upstream of the job, its output downstream.
    // An artifact vertex is named by its location, as DescribeArtifact answers it.
    const named = (vs: { Arn: string }[]) => Promise.all(vs.map(async (v) =>
      v.Arn.includes(':artifact/') ? (await call(loam, 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(v.Arn)}`)).body.Source.SourceUri as string : v.Arn));
    const up = await call(loam, 'POST', '/api/v1/lineage/query', { StartArns: [arn('transform-job', 'score')], Direction: 'Ascendants', MaxDepth: 1 });
    expect((await named(up.body.Vertices)).sort()).toEqual([arn('model', 'gbdt'), 's3://batch/in'].sort());
    const down = await call(loam, 'POST', '/api/v1/lineage/query', { StartArns: [arn('transform-job', 'score')], Direction: 'Descendants', MaxDepth: 1 });
    expect(await named(down.body.Vertices)).toEqual(['s3://batch/out/score']);
  }, 200_000);

  it('runs a model with EnableNetworkIsolation: no network, but its own loopback, where the driver reaches the model server', async () => {
    expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'gbdt-isolated', EnableNetworkIsolation: true, PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/gbdt/model.tar.gz' } })).status).toBe(200);
    const created = await call(loam, 'POST', '/api/v1/transform-jobs', job('score-isolated', { ModelName: 'gbdt-isolated', DataProcessing: { InputFilter: '$[1:]' } }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const d = await waitForJob('score-isolated');
    expect(d.TransformJobStatus, d.FailureReason).toBe('Completed');
    const out = (await get('s3://batch/out/score-isolated/part-a.csv.out')).trim().split('\n');
    expect(out).toHaveLength(150);
  });

  it('scales out: two instances each transform their share of the files', async () => {
    const input = { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://batch/in/' } }, ContentType: 'text/csv', SplitType: 'Line' };
    const created = await call(loam, 'POST', '/api/v1/transform-jobs', job('wide', { TransformInput: input, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 2 }, DataProcessing: { InputFilter: '$[1:]' } }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const d = await waitForJob('wide');
    expect(d.TransformJobStatus, d.FailureReason).toBe('Completed');
    const expected = (rows: number[][]) => rows.map((r) => `${model.predictRow(r)[0] as number}\n`).join('');
    expect(await get('s3://batch/out/wide/part-a.csv.out')).toBe(expected(raw.slice(0, 150)));
    expect(await get('s3://batch/out/wide/more/part-b.csv.out')).toBe(expected(raw.slice(150, 400)));
    const logs = (await call(loam, 'GET', '/api/v1/transform-jobs/wide/logs')).body.Events as { Message: string; Host: string }[];
    const hosts = new Set(logs.filter((e) => e.Message.startsWith('Transformed ')).map((e) => e.Host));
    expect([...hosts].sort()).toEqual(['algo-1', 'algo-2']);
  }, 200_000);

  it('decompresses Gzip input and names each output after its input object, .gz included (<key>.gz.out)', async () => {
    const rows = raw.slice(0, 20);
    await putBytes('s3://batch/gz/rows.csv.gz', gzipSync(Buffer.from(rows.map((r) => r.join(',')).join('\n') + '\n')));
    const input = { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://batch/gz/' } }, ContentType: 'text/csv', SplitType: 'Line', CompressionType: 'Gzip' };
    expect((await call(loam, 'POST', '/api/v1/transform-jobs', job('gzipped', { TransformInput: input }))).status).toBe(200);
    const d = await waitForJob('gzipped');
    expect(d.TransformJobStatus, d.FailureReason).toBe('Completed');
    expect((await loam.platform.artifacts.list({ bucket: 'batch', prefix: 'out/gzipped/' })).objects.map((o) => o.key)).toEqual(['out/gzipped/rows.csv.gz.out']);
    expect(await get('s3://batch/out/gzipped/rows.csv.gz.out')).toBe(rows.map((r) => `${model.predictRow(r)[0] as number}\n`).join(''));
  }, 200_000);

  it('fails with a reason naming the file and line of a record over MaxPayloadInMB, writing no output', async () => {
    const huge = `${'0.5,'.repeat(300_000)}0.5`;
    await put('s3://batch/bad/ok.csv', '0.1,0.2,0.3,0.4\n');
    await put('s3://batch/bad/z.csv', `0.1,0.2,0.3,0.4\n${huge}\n`);
    const input = { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://batch/bad/' } }, ContentType: 'text/csv', SplitType: 'Line' };
    expect((await call(loam, 'POST', '/api/v1/transform-jobs', job('too-big', { TransformInput: input }))).status).toBe(200);
    const d = await waitForJob('too-big');
    expect(d.TransformJobStatus).toBe('Failed');
    expect(d.FailureReason).toBe(`z.csv line 2: the record is ${huge.length + 1} bytes, over MaxPayloadInMB 1 (1048576 bytes).`);
    expect((await loam.platform.artifacts.list({ bucket: 'batch', prefix: 'out/too-big/' })).objects).toHaveLength(0);
  }, 200_000);

  it('refuses an input prefix that holds no object; fails naming the transform input when its manifest lists a missing one', async () => {
    const input = (S3DataType: string, S3Uri: string) => ({ DataSource: { S3DataSource: { S3DataType, S3Uri } }, ContentType: 'text/csv', SplitType: 'Line' });
    await put('s3://batch/listed/here.csv', '0.1,0.2,0.3,0.4\n');
    await put('s3://batch/manifests/m.json', JSON.stringify([{ prefix: 's3://batch/listed/' }, 'here.csv', 'gone.csv']));
    // An empty prefix is refused when the request is taken, as SageMaker does; nothing is stored.
    const empty = await call(loam, 'POST', '/api/v1/transform-jobs', job('no-input', { TransformInput: input('S3Prefix', 's3://batch/nothing-here/') }));
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toBe('No S3 objects found under S3 URL "s3://batch/nothing-here/" given in input data source (/TransformInput/DataSource/S3DataSource/S3Uri). Please ensure that the bucket exists and that objects exist under that S3 prefix.');
    expect((await call(loam, 'GET', '/api/v1/transform-jobs/no-input')).status).toBe(404);
    expect((await call(loam, 'POST', '/api/v1/transform-jobs', job('gone-input', { TransformInput: input('ManifestFile', 's3://batch/manifests/m.json') }))).status).toBe(200);
    expect((await waitForJob('gone-input')).FailureReason).toBe('ClientError: TransformInput: s3://batch/listed/gone.csv does not exist (listed in the manifest s3://batch/manifests/m.json).');
  }, 200_000);

  it('stops a running job: Stopped, and no output', async () => {
    expect((await call(loam, 'POST', '/api/v1/transform-jobs', job('halt', { BatchStrategy: 'SingleRecord', MaxConcurrentTransforms: 1 }))).status).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/transform-jobs/halt/stop', {})).status).toBe(200);
    const d = await waitForJob('halt');
    expect(d.TransformJobStatus).toBe('Stopped');
    expect((await loam.platform.artifacts.list({ bucket: 'batch', prefix: 'out/halt/' })).objects).toHaveLength(0);
    expect((await call(loam, 'POST', '/api/v1/transform-jobs/halt/stop', {})).status).toBe(400);
  }, 200_000);

  it('refuses what it cannot run, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ModelName: 'nope' }, '/ModelName'],
      [{ MaxPayloadInMB: 0 }, '/MaxPayloadInMB'],
      [{ MaxPayloadInMB: 101 }, '/MaxPayloadInMB'],
      [{ DataProcessing: { InputFilter: '$[a]' } }, "JSONPath '$[a]': 'a' is not an index or a slice"],
      [{ DataProcessing: { OutputFilter: '$.a b' } }, '/DataProcessing/OutputFilter'],
      [{ DataProcessing: { InputFilter: '$[1:]' }, TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://batch/in/' } }, ContentType: 'application/x-recordio', SplitType: 'RecordIO' } }, '/TransformInput/ContentType'],
    ];
    for (const [over, path] of cases) {
      const r = await call(loam, 'POST', '/api/v1/transform-jobs', job('refused', over));
      expect(r.status, JSON.stringify(over)).toBe(400);
      expect(JSON.stringify(r.body), JSON.stringify(over)).toContain(path);
    }
    expect((await call(loam, 'GET', '/api/v1/transform-jobs/refused')).status).toBe(404);
  });
});
