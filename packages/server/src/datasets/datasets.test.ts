import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

let loam: TestLoam;
const auth = () => ({ authorization: `Bearer ${loam.adminToken}` });
async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  const r = await loam.app.inject({ method, url, headers: auth(), ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
}
async function upload(name: string, body: Buffer | string, query = '') {
  const r = await loam.app.inject({ method: 'POST', url: `/api/v1/datasets/${name}/upload?FileName=f.csv${query}`, headers: { ...auth(), 'content-type': 'application/octet-stream' }, payload: body });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
}

// A small hand-made table: y = 1 exactly when x > 5; `leak` copies y.
const rows = Array.from({ length: 200 }, (_, i) => `${i % 10},${['red', 'blue', 'green'][i % 3]},${i % 10 > 5 ? 1 : 0},${i % 10 > 5 ? 1 : 0},${i % 7 === 0 ? '' : i}`);
const good = `x,color,y,leak,n\n${rows.join('\n')}\n`;

/** Starts a full run and polls it until it ends (it is a processing job). */
async function runFlow(flow: string, timeoutMs = 90_000) {
  const started = await call('POST', `/api/v1/flows/${flow}/runs`, {});
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  expect(started.body['Status']).toBe('InProgress');
  const t0 = Date.now();
  for (;;) {
    const d = (await call('GET', `/api/v1/flow-runs/${started.body['FlowRunId']}`)).body;
    if (['Completed', 'Failed', 'Stopped'].includes(d['Status'])) return d;
    if (Date.now() - t0 > timeoutMs) throw new Error(`flow run ${started.body['FlowRunId']} still ${d['Status']} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

// Tests create datasets, flows and runs with fixed names: a retry needs a server where they are new.
serverPerAttempt(async () => {
  loam = await openTestLoam();
  loam.platform.jobs.scheduler.start();
  // Loam never creates an output bucket, a flow destination's included: StartFlowRun refuses a missing one.
  await loam.platform.artifacts.ensureBucket('wrangled');
  expect((await call('POST', '/api/v1/datasets', { DatasetName: 'd1' })).status).toBe(200);
}, async () => loam?.close());

/**
 * `make` once on each server: what a test makes and later tests read (d1's first version, the flow f1, fbad's
 * failed run) is made again, by the first test that needs it, on the new server a retry runs on.
 */
function oncePerServer<T>(make: () => Promise<T>): () => Promise<T> {
  let made: { on: TestLoam; value: Promise<T> } | undefined;
  return () => {
    if (made?.on !== loam) made = { on: loam, value: make() };
    return made.value;
  };
}
const importGood = oncePerServer(() => upload('d1', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)])));
const f1Nodes = [
  { id: 'src', type: 'source', dataset: { name: 'd1' } },
  { id: 'a', type: 'transform', transform: 'drop_columns', inputs: ['src'], params: { columns: ['leak'] } },
  { id: 'b', type: 'transform', transform: 'impute_median', inputs: ['a'], params: { columns: ['n'] } },
  { id: 'c', type: 'transform', transform: 'one_hot', inputs: ['b'], params: { column: 'color' } },
  { id: 'd', type: 'transform', transform: 'filter_rows', inputs: ['c'], params: { condition: 'x <> 3' } },
  { id: 'e', type: 'transform', transform: 'reorder_columns', inputs: ['d'], params: { columns: ['y'] } },
  { id: 'out', type: 'destination', inputs: ['e'], output: { s3Uri: 's3://wrangled/d1/train.csv', format: 'csv', header: false } },
];
const createF1 = oncePerServer(async () => {
  await importGood();
  return call('POST', '/api/v1/flows', { FlowName: 'f1', Definition: { formatVersion: 1, nodes: f1Nodes } });
});
const fbadNodes = [
  { id: 'src', type: 'source', dataset: { name: 'd1' } },
  { id: 'a', type: 'transform', transform: 'filter_rows', inputs: ['src'], params: { condition: 'no_such_column > 1' } },
  { id: 'out', type: 'destination', inputs: ['a'], output: { s3Uri: 's3://wrangled/bad/' } },
];
const runFbad = oncePerServer(async () => {
  await importGood();
  expect((await call('POST', '/api/v1/flows', { FlowName: 'fbad', Definition: { formatVersion: 1, nodes: fbadNodes } })).status).toBe(200);
  return runFlow('fbad');
});

describe('datasets over REST', () => {
  it('refuses bad files with the line or byte offset, leaving no version', async () => {
    const cases: [string, Buffer | string, RegExp][] = [
      ['ragged', 'a,b,c\n1,2,3\n4,5\n6,7,8\n', /Line 3 \(byte offset 12\): expected 3 fields, found 2/],
      ['invalid utf-8', Buffer.concat([Buffer.from('a,b\n1,ok\n2,'), Buffer.from([0xff, 0xfe]), Buffer.from('x\n')]), /Line 3 \(byte offset 11\): invalid UTF-8/],
      ['empty', '', /empty \(0 bytes\)/],
      ['unclosed quote', 'a,b\n1,"open\n', /Line 2 .*never closed/],
    ];
    for (const [what, body, re] of cases) {
      const r = await upload('d1', body);
      expect(r.status, what).toBe(400);
      expect(r.body['detail'] ?? r.body['message'] ?? JSON.stringify(r.body), what).toMatch(re);
    }
    const fake = await loam.app.inject({ method: 'POST', url: '/api/v1/datasets/d1/upload?FileName=x.parquet&Format=parquet', headers: { ...auth(), 'content-type': 'application/octet-stream' }, payload: 'not parquet' });
    expect(fake.statusCode).toBe(400);
    expect(fake.body).toMatch(/not Parquet.*byte offset 0/);
    expect((await call('GET', '/api/v1/datasets/d1')).body['LatestVersion']).toBe(0);
    const uploads = await loam.platform.artifacts.list({ bucket: 'loam-datasets', prefix: 'uploads/' });
    expect(uploads.objects).toHaveLength(0);
  });

  it('refuses a 100 MB field by its byte offset without holding it in memory', async () => {
    const big = Buffer.alloc(100 * 1024 * 1024 + 20, 0x61);
    Buffer.from('a,b\n1,').copy(big, 0);
    big[big.length - 1] = 0x0a;
    const r = await upload('d1', big);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/Line 2 \(byte offset 16777222\): a field is larger than 16777216 bytes/);
  }, 60_000);

  it('imports a CSV with a BOM, detects its dialect, previews and profiles it', async () => {
    const r = await importGood();
    expect(r.status).toBe(200);
    expect(r.body['Version']).toBe(1);
    expect(r.body['RowCount']).toBe(200);
    expect(r.body['Csv']).toMatchObject({ Delimiter: ',', Header: true, Encoding: 'utf-8' });
    expect(r.body['Columns']).toEqual([{ Name: 'x', Type: 'BIGINT' }, { Name: 'color', Type: 'VARCHAR' }, { Name: 'y', Type: 'BIGINT' }, { Name: 'leak', Type: 'BIGINT' }, { Name: 'n', Type: 'BIGINT' }]);
    const prev = await call('GET', '/api/v1/datasets/d1/preview?Limit=2');
    expect(prev.body['Rows']).toEqual([[0, 'red', 0, 0, null], [1, 'blue', 0, 0, 1]]);
    const p = (await call('GET', '/api/v1/datasets/d1/profile?TargetColumn=y&QuickModel=true')).body['Profile'];
    const x = p.Columns.find((c: { Name: string }) => c.Name === 'x');
    // x cycles 0..9 twenty times: mean 4.5, min 0, max 9, 10 distinct, median 4.5.
    expect(x).toMatchObject({ Kind: 'numeric', Missing: 0, Distinct: 10, Min: 0, Max: 9, Mean: 4.5 });
    expect(x.Quantiles.P50).toBe(4.5);
    expect(x.Histogram.map((b: { Count: number }) => b.Count)).toEqual(Array(10).fill(20));
    const n = p.Columns.find((c: { Name: string }) => c.Name === 'n');
    expect(n.Missing).toBe(29); // i % 7 === 0 for i in 0..199
    expect(p.Columns.find((c: { Name: string }) => c.Name === 'color').TopValues[0]).toEqual({ Value: 'blue', Count: 67 });
    expect(p.DuplicateRows).toBe(0);
    const leak = p.TargetLeakage.find((l: { Column: string }) => l.Column === 'leak');
    expect(leak).toMatchObject({ Score: 1, Suspicious: true });
    expect(p.QuickModel.HeldOutScore).toBeGreaterThan(0.99);
    expect(p.QuickModel.FeatureImportance.length).toBeGreaterThan(0);
  });

  it('builds a flow of five transforms, previews each step, exports the script and runs it to s3://', async () => {
    expect((await createF1()).status).toBe(200);
    const pc = await call('POST', '/api/v1/flow-preview', { FlowName: 'f1', NodeId: 'c', Limit: 3 });
    expect(pc.body['Columns'].map((c: { Name: string }) => c.Name)).toEqual(['x', 'y', 'n', 'color_blue', 'color_green', 'color_red']);
    expect(pc.body['Sql']).toContain('color_blue');
    const pe = await call('POST', '/api/v1/flow-preview', { FlowName: 'f1', NodeId: 'e', Limit: 200 });
    expect(pe.body['Columns'][0].Name).toBe('y');
    expect(pe.body['Rows']).toHaveLength(180);
    const script = await call('GET', '/api/v1/flows/f1/script');
    expect(script.body['Script']).toMatch(/read_parquet\('s3:\/\/loam-datasets\/datasets\/d1\/v1\/[0-9a-f]{16}\/data.parquet'\)/);
    expect(script.body['Script']).toMatch(/COPY \(SELECT \* FROM "n_out"\) TO 's3:\/\/wrangled\/d1\/train.csv'/);
    const run = await runFlow('f1');
    expect(run).toMatchObject({ Status: 'Completed', Outputs: [{ S3Uri: 's3://wrangled/d1/train.csv', RowCount: 180, Format: 'csv' }] });
    const obj = await loam.platform.artifacts.get({ bucket: 'wrangled', key: 'd1/train.csv' });
    let text = '';
    for await (const c of obj.body) text += String(c);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(180);
    // Label first, no header (the built-in algorithms' CSV convention); y = (x > 5) on every row.
    for (const l of lines) {
      const f = l.split(',');
      expect(f).toHaveLength(6);
      expect(Number(f[0])).toBe(Number(f[1]) > 5 ? 1 : 0);
    }
    // Row 0 (x 0, red, n missing): n imputed with the median of 1..199 without multiples of 7 — the
    // 86th of 171 values, which is 100.
    expect(lines).toContain('0,0,100.0,0,0,1');
    expect((await call('GET', '/api/v1/flow-runs?FlowName=f1')).body['FlowRuns']).toHaveLength(1);
  });

  it('runs a flow as a processing job on the built-in data-wrangler image', async () => {
    await importGood();
    const nodes = [
      { id: 'src', type: 'source', dataset: { name: 'd1' } },
      { id: 'a', type: 'transform', transform: 'filter_rows', inputs: ['src'], params: { condition: 'x > 5' } },
      { id: 'pq', type: 'destination', inputs: ['a'], output: { s3Uri: 's3://wrangled/job/pq/' } },
      { id: 'all', type: 'destination', inputs: ['src'], output: { s3Uri: 's3://wrangled/job/all/', format: 'csv' } },
    ];
    expect((await call('POST', '/api/v1/flows', { FlowName: 'fjob', Definition: { formatVersion: 1, nodes } })).status).toBe(200);
    const run = await runFlow('fjob');
    expect(run['ProcessingJobName']).toMatch(/^flow-fjob-[0-9a-f]{8}$/);
    expect(run['ProcessingJobArn']).toBe(`arn:loam:sagemaker:${loam.platform.partition.region}:${loam.platform.partition.accountId}:processing-job/${run['ProcessingJobName']}`);
    expect(run).toMatchObject({
      Status: 'Completed',
      Outputs: [
        // x > 5 holds for x in 6..9: 4 of every 10 rows.
        { NodeId: 'pq', S3Uri: 's3://wrangled/job/pq/part-0.parquet', Format: 'parquet', RowCount: 80 },
        { NodeId: 'all', S3Uri: 's3://wrangled/job/all/part-0.csv', Format: 'csv', RowCount: 200 },
      ],
    });
    const job = (await call('GET', `/api/v1/processing-jobs/${run['ProcessingJobName']}`)).body;
    expect(job).toMatchObject({ ProcessingJobStatus: 'Completed', AppSpecification: { ImageUri: 'loam/data-wrangler:1' } });
    expect(job['ProcessingInputs'].map((i: { S3Input: { S3Uri: string } }) => i.S3Input.S3Uri)).toContainEqual(expect.stringMatching(/^s3:\/\/loam-datasets\/datasets\/d1\/v1\/[0-9a-f]{16}\/data\.parquet$/));
    expect(job['ProcessingOutputConfig'].Outputs.map((o: { S3Output: { S3Uri: string } }) => o.S3Output.S3Uri)).toEqual(expect.arrayContaining(['s3://wrangled/job/pq', 's3://wrangled/job/all']));
    const logs = (await call('GET', `/api/v1/processing-jobs/${run['ProcessingJobName']}/logs`)).body;
    const lines = logs['Events'].map((e: { Message: string }) => e.Message).join('\n');
    expect(lines).toContain("data-wrangler: destination 'pq': 80 rows");
    // An independent reader: the CSV has a header and 200 data rows; the Parquet file is Parquet (magic bytes).
    const all = await loam.platform.artifacts.get({ bucket: 'wrangled', key: 'job/all/part-0.csv' });
    let text = '';
    for await (const c of all.body) text += String(c);
    expect(text.trim().split('\n')).toHaveLength(201);
    expect(text.split('\n')[0]).toBe('x,color,y,leak,n');
    const pq = await loam.platform.artifacts.get({ bucket: 'wrangled', key: 'job/pq/part-0.parquet' });
    const chunks: Buffer[] = [];
    for await (const c of pq.body) chunks.push(Buffer.from(c as Uint8Array));
    const bytes = Buffer.concat(chunks);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(-4).toString()).toBe('PAR1');
    // Lineage, from the job's own record: the dataset's data → the processing job → each output folder.
    const dataUri = (await call('GET', '/api/v1/datasets/d1/version?Version=1')).body['DataUri'];
    const down = (await call('POST', '/api/v1/lineage/query', { StartArns: [dataUri], Direction: 'Descendants', IncludeEdges: true, MaxDepth: 2 })).body;
    const arns = down['Vertices'].map((v: { Arn: string }) => v.Arn);
    expect(arns).toContain(run['ProcessingJobArn']);
    const fromJob = new Set(down['Edges'].filter((e: { SourceArn: string }) => e.SourceArn === run['ProcessingJobArn']).map((e: { DestinationArn: string }) => e.DestinationArn));
    const outputs = await Promise.all(down['Vertices'].filter((v: { Arn: string }) => fromJob.has(v.Arn))
      .map(async (v: { Arn: string }) => (await call('GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(v.Arn)}`)).body['Source'].SourceUri as string));
    expect(outputs).toEqual(expect.arrayContaining(['s3://wrangled/job/pq', 's3://wrangled/job/all']));
  }, 120_000);

  it('fails the run with the job when the flow fails on the full data, naming the reason', async () => {
    const run = await runFbad();
    expect(run['Status']).toBe('Failed');
    expect(run['FailureReason']).toMatch(/^ClientError: .*no_such_column/s);
    const job = (await call('GET', `/api/v1/processing-jobs/${run['ProcessingJobName']}`)).body;
    expect(job['ProcessingJobStatus']).toBe('Failed');
    expect(job['FailureReason']).toBe(run['FailureReason']);
    const listed = (await call('GET', '/api/v1/flow-runs?FlowName=fbad')).body['FlowRuns'];
    expect(listed).toMatchObject([{ FlowRunId: run['FlowRunId'], Status: 'Failed', FailureReason: run['FailureReason'] }]);
  }, 120_000);

  it('stops the run when its processing job is stopped', async () => {
    expect((await createF1()).status).toBe(200);
    const started = await call('POST', '/api/v1/flows/f1/runs', {});
    expect(started.body['Status']).toBe('InProgress');
    expect((await call('POST', `/api/v1/processing-jobs/${started.body['ProcessingJobName']}/stop`, {})).status).toBe(200);
    const t0 = Date.now();
    let d = (await call('GET', `/api/v1/flow-runs/${started.body['FlowRunId']}`)).body;
    while (!['Completed', 'Failed', 'Stopped'].includes(d['Status']) && Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 150));
      d = (await call('GET', `/api/v1/flow-runs/${started.body['FlowRunId']}`)).body;
    }
    expect(d['Status']).toBe('Stopped');
    expect(d['EndTime']).toBeGreaterThanOrEqual(d['CreationTime']);
  }, 90_000);

  it('lists runs with one status whatever their age (StatusEquals), a run whose job ended since it was last read included', async () => {
    expect((await runFbad())['Status']).toBe('Failed');
    expect((await createF1()).status).toBe(200);
    // A run whose processing job completes while nobody reads the run: it is still stored InProgress.
    const started = (await call('POST', '/api/v1/flows/f1/runs', {})).body;
    const t0 = Date.now();
    while ((await call('GET', `/api/v1/processing-jobs/${started['ProcessingJobName']}`)).body['ProcessingJobStatus'] !== 'Completed') {
      expect(Date.now() - t0).toBeLessThan(90_000);
      await new Promise((r) => setTimeout(r, 150));
    }
    const completed = (await call('GET', '/api/v1/flow-runs?StatusEquals=Completed&MaxResults=1')).body;
    expect(completed['FlowRuns']).toMatchObject([{ FlowRunId: started['FlowRunId'], Status: 'Completed' }]);
    // The one failed run is older than every run since, and still the first answer.
    const failed = (await call('GET', '/api/v1/flow-runs?StatusEquals=Failed&MaxResults=1')).body;
    expect(failed['FlowRuns']).toMatchObject([{ FlowName: 'fbad', Status: 'Failed' }]);
    expect(failed['NextToken']).toBeUndefined();
    const all = (await call('GET', '/api/v1/flow-runs?MaxResults=100')).body['FlowRuns'] as { FlowRunId: string; Status: string }[];
    for (const status of ['Completed', 'Failed', 'Stopped', 'InProgress']) {
      const listed = (await call('GET', `/api/v1/flow-runs?StatusEquals=${status}&MaxResults=100`)).body['FlowRuns'] as { FlowRunId: string }[];
      expect(listed.map((r) => r.FlowRunId), status).toEqual(all.filter((r) => r.Status === status).map((r) => r.FlowRunId));
    }
    const bad = await call('GET', '/api/v1/flow-runs?StatusEquals=Done');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('StatusEquals');
  }, 180_000);

  it('refuses a run whose destination bucket does not exist (400 naming the node), leaving no run, job or bucket', async () => {
    const csv = 'x,y\n1,2\n3,4\n';
    expect((await call('POST', '/api/v1/datasets', { DatasetName: 'dmiss' })).status).toBe(200);
    expect((await upload('dmiss', csv)).status).toBe(200);
    const nodes = [
      { id: 'src', type: 'source', dataset: { name: 'dmiss' } },
      { id: 'ok', type: 'destination', inputs: ['src'], output: { s3Uri: 's3://wrangled/miss/ok/', format: 'csv' } },
      { id: 'out', type: 'destination', inputs: ['src'], output: { s3Uri: 's3://no-such-wrangled/miss/', format: 'csv' } },
    ];
    expect((await call('POST', '/api/v1/flows', { FlowName: 'fmiss', Definition: { formatVersion: 1, nodes } })).status).toBe(200);
    const jobsBefore = (await call('GET', '/api/v1/processing-jobs')).body['ProcessingJobSummaries'].length;
    const r = await call('POST', '/api/v1/flows/fmiss/runs', {});
    expect(r.status).toBe(400);
    expect(r.body['detail']).toBe(
      "Flow 'fmiss': destination 'out' writes to s3://no-such-wrangled/miss/, but the bucket 'no-such-wrangled' does not exist. Loam does not create output buckets: create it first (aws s3 mb s3://no-such-wrangled), or choose a bucket that exists.",
    );
    expect(r.body['errors']).toEqual([{ path: '/Definition/nodes/out/output/s3Uri', message: "bucket 'no-such-wrangled' does not exist" }]);
    expect((await call('GET', '/api/v1/flow-runs?FlowName=fmiss')).body['FlowRuns']).toEqual([]);
    expect((await call('GET', '/api/v1/processing-jobs')).body['ProcessingJobSummaries']).toHaveLength(jobsBefore);
    expect((await loam.platform.artifacts.listBuckets()).map((b) => b.name)).not.toContain('no-such-wrangled');
  });

  it('refuses a run whose dataset does not exist, leaving no run', async () => {
    const nodes = [
      { id: 'src', type: 'source', dataset: { name: 'nope' } },
      { id: 'out', type: 'destination', inputs: ['src'], output: { s3Uri: 's3://wrangled/nope/' } },
    ];
    expect((await call('POST', '/api/v1/flows', { FlowName: 'fnope', Definition: { formatVersion: 1, nodes } })).status).toBe(200);
    const r = await call('POST', '/api/v1/flows/fnope/runs', {});
    expect(r.status).toBe(404);
    expect(r.body['detail'] ?? r.body['title']).toMatch(/nope/);
    expect((await call('GET', '/api/v1/flow-runs?FlowName=fnope')).body['FlowRuns']).toEqual([]);
  });
});
