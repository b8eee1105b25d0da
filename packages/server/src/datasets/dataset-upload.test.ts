import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

let loam: TestLoam;
const auth = () => ({ authorization: `Bearer ${loam.adminToken}` });
async function upload(name: string, body: Buffer | string, query = '') {
  const r = await loam.app.inject({ method: 'POST', url: `/api/v1/datasets/${name}/upload?FileName=f.csv${query}`, headers: { ...auth(), 'content-type': 'application/octet-stream' }, payload: body });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
}
const types = (t: unknown) => `&ColumnTypes=${encodeURIComponent(JSON.stringify(t))}`;

beforeAll(async () => {
  loam = await openTestLoam();
  const r = await loam.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: auth(), payload: { DatasetName: 'up' } });
  expect(r.statusCode).toBe(200);
});
afterAll(async () => loam?.close());

describe('dataset upload options are checked, not silently dropped or passed to the engine', () => {
  it('refuses each bad option with a 400 naming it, and stores nothing', async () => {
    const csv = 'a,b\n1,2\n';
    const cases: [string, Buffer | string, string, RegExp, string][] = [
      ['unknown compression', csv, '&Compression=zip', /Compression 'zip' is not one of gzip, none/, '/Compression'],
      ['two-character delimiter', csv, '&Delimiter=%3B%3B', /Delimiter ';;' must be one character/, '/Csv/Delimiter'],
      ['header that is not a boolean', csv, '&Header=yes', /Header 'yes' is not true or false/, '/Csv/Header'],
      ['ColumnTypes as an array', csv, types([1]), /ColumnTypes must be a JSON object of column → type, not an array/, '/ColumnTypes'],
      ['ColumnTypes of a column the file does not have', csv, types({ zz: 'BIGINT' }), /ColumnTypes names a column the file does not have: 'zz'; its columns are a, b/, '/ColumnTypes/zz'],
      ['ColumnTypes with a type that is not one', csv, types({ a: 'DROP TABLE' }), /the type 'DROP TABLE' of column 'a' is not one of BOOLEAN, BIGINT, DOUBLE/, '/ColumnTypes/a'],
      // The type went into the engine's SQL as written: `CAST("a" AS <type>)`.
      ['ColumnTypes carrying SQL (JSON Lines)', '{"a":"x"}\n', `&Format=jsonl${types({ a: "VARCHAR) || (SELECT 1) AS \"a\") FROM (SELECT 1 AS a) --" })}`, /the type 'VARCHAR\) \|\| .*' of column 'a' is not one of/, '/ColumnTypes/a'],
      // DuckDB's JSON reader crashed the whole process (SIGSEGV) on this record.
      ['a JSON Lines record nested 100,000 deep', `{"a":1}\n{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}\n`, '&Format=jsonl', /Line 2 \(byte offset 8\): the record nests 100001 levels deep; at most 100 can be read/, '/Source'],
      // Typing 1,000 columns took the engine ~25 s; a one-line file of 100,000 fields held the import for hours.
      ['1,001 columns', `${Array.from({ length: 1001 }, (_, i) => `c${i}`).join(',')}\n${'1,'.repeat(1000)}1\n`, '', /Line 1 \(byte offset 0\): 1001 fields; at most 1000 columns can be imported/, '/Source'],
      // DuckDB typed a 50,000-key record for three minutes; a nested object is typed as a struct the same way.
      ['a JSON Lines record of 1,001 keys', `{"a":1}\n{"n":{${Array.from({ length: 1001 }, (_, i) => `"k${i}":1`).join(',')}}}\n`, '&Format=jsonl', /Line 2 \(byte offset 8\): the record has an object of 1001 members; at most 1000 \(columns or struct fields\) can be imported/, '/Source'],
      ['UTF-16 without a byte-order mark', Buffer.from(csv, 'utf16le'), '', /Line 1 \(byte offset 1\): a NUL byte \(0x00\).*Encoding 'utf-16'/, '/Source'],
    ];
    for (const [what, body, query, message, path] of cases) {
      const r = await upload('up', body, query);
      expect(r.status, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(400);
      expect(r.body['detail'], what).toMatch(message);
      expect(r.body['errors']?.[0]?.path, what).toBe(path);
    }
    const d = await loam.app.inject({ method: 'GET', url: '/api/v1/datasets/up', headers: auth() });
    expect(d.json().LatestVersion).toBe(0);
    expect((await loam.platform.artifacts.list({ bucket: 'loam-datasets', prefix: 'uploads/' })).objects).toHaveLength(0);
  });

  it('types every column of a wide file, across the engine batches of 100 columns', async () => {
    const kinds = [['BIGINT', '7'], ['DOUBLE', '2.5'], ['VARCHAR', 'x'], ['DATE', '2024-05-01'], ['BOOLEAN', 'true']] as const;
    const n = 250;
    const head = Array.from({ length: n }, (_, i) => `c${i}`).join(',');
    const row = Array.from({ length: n }, (_, i) => kinds[i % 5]![1]).join(',');
    const r = await upload('up', `${head}\n${row}\n${row}\n`);
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    expect(r.body['Columns'].map((c: { Type: string }) => c.Type)).toEqual(Array.from({ length: n }, (_, i) => kinds[i % 5]![0]));
  });

  it('takes a type in any case and records its canonical name', async () => {
    const r = await upload('up', 'a,b\n1,2\n', types({ a: 'double' }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body['ColumnTypes']).toEqual({ a: 'DOUBLE' });
    expect(r.body['Columns']).toEqual([{ Name: 'a', Type: 'DOUBLE' }, { Name: 'b', Type: 'BIGINT' }]);
  });
});
