import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

beforeAll(async () => {
  loam = await openTestLoam();
  expect((await call('POST', '/api/v1/datasets', { DatasetName: 'd1' })).status).toBe(200);
});
afterAll(async () => loam.close());

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
    const r = await upload('d1', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]));
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
    const nodes = [
      { id: 'src', type: 'source', dataset: { name: 'd1' } },
      { id: 'a', type: 'transform', transform: 'drop_columns', inputs: ['src'], params: { columns: ['leak'] } },
      { id: 'b', type: 'transform', transform: 'impute_median', inputs: ['a'], params: { columns: ['n'] } },
      { id: 'c', type: 'transform', transform: 'one_hot', inputs: ['b'], params: { column: 'color' } },
      { id: 'd', type: 'transform', transform: 'filter_rows', inputs: ['c'], params: { condition: 'x <> 3' } },
      { id: 'e', type: 'transform', transform: 'reorder_columns', inputs: ['d'], params: { columns: ['y'] } },
      { id: 'out', type: 'destination', inputs: ['e'], output: { s3Uri: 's3://wrangled/d1/train.csv', format: 'csv', header: false } },
    ];
    expect((await call('POST', '/api/v1/flows', { FlowName: 'f1', Definition: { formatVersion: 1, nodes } })).status).toBe(200);
    const pc = await call('POST', '/api/v1/flow-preview', { FlowName: 'f1', NodeId: 'c', Limit: 3 });
    expect(pc.body['Columns'].map((c: { Name: string }) => c.Name)).toEqual(['x', 'y', 'n', 'color_blue', 'color_green', 'color_red']);
    expect(pc.body['Sql']).toContain('color_blue');
    const pe = await call('POST', '/api/v1/flow-preview', { FlowName: 'f1', NodeId: 'e', Limit: 200 });
    expect(pe.body['Columns'][0].Name).toBe('y');
    expect(pe.body['Rows']).toHaveLength(180);
    const script = await call('GET', '/api/v1/flows/f1/script');
    expect(script.body['Script']).toMatch(/read_parquet\('s3:\/\/loam-datasets\/datasets\/d1\/v1\/data.parquet'\)/);
    expect(script.body['Script']).toMatch(/COPY \(SELECT \* FROM "n_out"\) TO 's3:\/\/wrangled\/d1\/train.csv'/);
    const run = await call('POST', '/api/v1/flows/f1/runs', {});
    expect(run.body).toMatchObject({ Status: 'Completed', Outputs: [{ S3Uri: 's3://wrangled/d1/train.csv', RowCount: 180, Format: 'csv' }] });
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
});
