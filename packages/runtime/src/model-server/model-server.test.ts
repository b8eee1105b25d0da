import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMatrix } from '@loam/ml/data/index';
import { trainGbdt, type GbdtModel } from '@loam/ml/gbdt/index';
import { loadBuiltinPredictor, type Predictor } from './builtin-predictor.js';
import { InferenceInputError } from './inference-error.js';
import { parseCsv, parseLibsvm } from './payload-codecs.js';
import { maxPayloadBytes, serveBuiltin } from './serve-main.js';

let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

async function train(objective: 'binary:logistic' | 'multi:softprob', n = 400, cols = 4): Promise<{ model: GbdtModel; rows: number[][] }> {
  const x = createMatrix(n, cols);
  const y = new Float64Array(n);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r = Array.from({ length: cols }, () => Math.round(rand() * 1e4) / 1e4);
    rows.push(r);
    r.forEach((v, j) => (x.data[j * n + i] = v));
    y[i] = objective === 'multi:softprob' ? Math.min(2, Math.floor((r[0] as number) * 3)) : (r[0] as number) + (r[1] as number) > 1 ? 1 : 0;
  }
  const model = await trainGbdt({ x, y }, { num_round: 8, max_depth: 3, objective, ...(objective === 'multi:softprob' ? { num_class: 3 } : {}) });
  return { model, rows };
}

function predictorOf(model: GbdtModel, batch: boolean): Predictor {
  const dir = mkdtempSync(join(tmpdir(), 'loam-ms-'));
  try {
    writeFileSync(join(dir, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm: 'xgboost', model: model.toJSON() }));
    return loadBuiltinPredictor(dir, { batch });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('CSV payloads read from bytes', () => {
  it('reads every decimal cell as +cell does, rounded to float32', () => {
    const cells = ['1', '-0.5', '.5', '5.', '+2', '1e3', '1E-3', '2.5e+2', ' 3 ', 'Infinity', '-Infinity', '12345678901234567890',
      '1.00000000000000011', '1e-30', '123456.789012', '-0', '0.0001', '9007199254740993', '4.35e400', '7e22', '7e23',
      '-.5', '00012', '5e-0', '1.5E+03', '1e5 ', '2e12345', '123456789012345', '1234567890123456', '1e-22', '1e-23'];
    const { values, count } = parseCsv(cells.join(','), cells.length);
    expect(count).toBe(1);
    expect(Array.from(values)).toEqual(cells.map((c) => Math.fround(+c)));
    // Random 4-to-12-digit decimals, as a generated dataset has them.
    const many = Array.from({ length: 5000 }, () => (rand() * 10 ** Math.floor(rand() * 8 - 3)).toFixed(Math.floor(rand() * 9)));
    expect(Array.from(parseCsv(many.join(','), many.length).values)).toEqual(many.map((c) => Math.fround(+c)));
  });

  it('refuses a hexadecimal libsvm value or index instead of reading it as a number', () => {
    expect(() => parseLibsvm('0:0x10 1:2', 2)).toThrow("Row 1, column 0: '0x10' is not a number.");
    expect(() => parseLibsvm('0x1:5', 2)).toThrow("Row 1: feature index '0x1' is not a non-negative integer.");
  });

  it('reads inf, infinity and nan in any case with a sign, as float() does', () => {
    const r = parseCsv('inf,-inf,+Infinity,-INFINITY,nan,-NaN', 6);
    expect(Array.from(r.values)).toEqual([Infinity, -Infinity, Infinity, -Infinity, NaN, NaN]);
  });

  it('reads digits grouped by underscores as float() does (1_000), and refuses the groupings it refuses', () => {
    expect(Array.from(parseCsv('1_000,1_0.5,1e1_0,+1_0,.5_5', 5).values)).toEqual([1000, 10.5, 1e10, 10, Math.fround(0.55)]);
    for (const bad of ['_1', '1_', '1__0', '1_.5', '1.5_']) expect(() => parseCsv(`${bad},1`, 2), bad).toThrow(`Row 1, column 1: '${bad}' is not a number.`);
  });

  it('treats empty and nan cells as missing, skips blank lines and reads CRLF', () => {
    const r = parseCsv('1,,nan\r\n\r\n\n  ,NaN,3\n', 3);
    expect(r.count).toBe(2);
    expect(Array.from(r.values)).toEqual([1, NaN, NaN, NaN, NaN, 3]);
  });

  it('names the row and column of a bad cell, and rows of the wrong width', () => {
    const fail = (text: string) => {
      try {
        parseCsv(text, 3);
      } catch (e) {
        expect(e).toBeInstanceOf(InferenceInputError);
        return `${(e as InferenceInputError).status} ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(fail('1,2,3\n\n4,x5,6\n')).toBe("400 Row 2, column 2: 'x5' is not a number.");
    expect(fail('1e,2,3')).toBe("400 Row 1, column 1: '1e' is not a number.");
    expect(fail('1,2e+,3')).toBe("400 Row 1, column 2: '2e+' is not a number.");
    expect(fail('1,-,3')).toBe("400 Row 1, column 2: '-' is not a number.");
    expect(fail('1,2,1.2.3')).toBe("400 Row 1, column 3: '1.2.3' is not a number.");
    // JavaScript's other number spellings are not numbers in a CSV cell (Python's float() refuses them).
    expect(fail('1,0x10,3')).toBe("400 Row 1, column 2: '0x10' is not a number.");
    expect(fail('0b1,2,3')).toBe("400 Row 1, column 1: '0b1' is not a number.");
    expect(fail('1,2,0o7')).toBe("400 Row 1, column 3: '0o7' is not a number.");
    expect(fail('1,2,3,')).toBe('400 Row 1 has 4 values; the model expects 3 features.');
    expect(fail('1,2,3\n4,5\n')).toBe('400 Row 2 has 2 values; the model expects 3 features.');
    expect(fail('1,2,3,4,5\n')).toBe('400 Row 1 has 5 values; the model expects 3 features.');
    expect(fail('\n\r\n')).toBe('400 The request has no rows: the CSV body is empty.');
  });
});

describe('the built-in GBDT predictor', () => {
  let binary: { model: GbdtModel; rows: number[][] };
  let multi: { model: GbdtModel; rows: number[][] };
  beforeAll(async () => {
    binary = await train('binary:logistic');
    multi = await train('multi:softprob');
  });

  it('answers a batch with the same scores as predicting each row alone', () => {
    const body = Buffer.from(`${binary.rows.map((r) => r.join(',')).join('\n')}\n`);
    const expected = binary.rows.map((r) => binary.model.predictRow(r)[0] as number);
    const endpoint = predictorOf(binary.model, false).invoke(body, 'text/csv', 'text/csv');
    expect(endpoint.body.split(',').map(Number)).toEqual(expected);
    // Batch mode (SAGEMAKER_BATCH): one prediction per line, as SageMaker's XGBoost answers a mini-batch.
    const batch = predictorOf(binary.model, true).invoke(body, 'text/csv', 'text/csv');
    expect(batch.body).toBe(expected.map((v) => `${v}\n`).join(''));
    const json = predictorOf(binary.model, true).invoke(body, 'text/csv', 'application/json');
    expect(JSON.parse(json.body)).toEqual({ predictions: expected.map((score) => ({ score })) });
  });

  it('reuses its row buffer across requests without one answer leaking into the next', () => {
    const p = predictorOf(binary.model, false);
    const one = (r: number[]) => Number(p.invoke(Buffer.from(r.join(',')), 'text/csv', 'text/csv').body);
    const rows = binary.rows;
    for (let i = 0; i < 50; i++) expect(one(rows[i] as number[])).toBe(binary.model.predictRow(rows[i] as number[])[0]);
    // A request that fails half-way through its row, then a payload too large for the buffer, then small ones again.
    expect(() => p.invoke(Buffer.from('0.1,0.2,x,0.4'), 'text/csv', 'text/csv')).toThrow(/column 3/);
    const big = [...rows, ...rows, ...rows];
    const out = p.invoke(Buffer.from(big.map((r) => r.join(',')).join('\n')), 'text/csv', 'text/csv').body.split(',').map(Number);
    expect(out).toEqual(big.map((r) => binary.model.predictRow(r)[0]));
    expect(one(rows[7] as number[])).toBe(binary.model.predictRow(rows[7] as number[])[0]);
    // parseCsv reads into the scratch only when the payload fits.
    const scratch = new Float32Array(6);
    expect(parseCsv('1,2,3\n4,5,6', 3, scratch).values.buffer).toBe(scratch.buffer);
    expect(parseCsv('1,2,3\n4,5,6\n7,8,9', 3, scratch).values.buffer).not.toBe(scratch.buffer);
  });

  it('answers multi:softprob with one line of class probabilities per row', () => {
    const rows = multi.rows.slice(0, 20);
    const body = Buffer.from(rows.map((r) => r.join(',')).join('\n'));
    const expected = rows.map((r) => Array.from(multi.model.predictRow(r)));
    const csv = predictorOf(multi.model, false).invoke(body, 'text/csv', 'text/csv');
    expect(csv.body.split('\n').map((l) => l.split(',').map(Number))).toEqual(expected);
    const lines = predictorOf(multi.model, false).invoke(body, 'text/csv', 'application/jsonlines');
    expect(lines.body.split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(expected.map((score) => ({ score })));
  });
});

describe('the model server process', () => {
  let server: ReturnType<typeof serveBuiltin>;
  let port: number;
  let model: GbdtModel;
  const post = (body: Buffer, chunked = false) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/invocations', headers: { 'content-type': 'text/csv', ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length }) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    if (chunked) {
      for (let i = 0; i < body.length; i += 4096) req.write(body.subarray(i, i + 4096));
      req.end();
    } else req.end(body);
  });
  beforeAll(async () => {
    ({ model } = await train('binary:logistic', 200));
    server = serveBuiltin(predictorOf(model, true), { maxPayloadBytes: maxPayloadBytes({ SAGEMAKER_MAX_PAYLOAD_IN_MB: '0.01' }) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reads SAGEMAKER_MAX_PAYLOAD_IN_MB: 6 MiB by default, 0 for no limit, a bad value named', () => {
    expect(maxPayloadBytes({})).toBe(6 * 1024 * 1024);
    expect(maxPayloadBytes({ SAGEMAKER_MAX_PAYLOAD_IN_MB: '2' })).toBe(2 * 1024 * 1024);
    expect(maxPayloadBytes({ SAGEMAKER_MAX_PAYLOAD_IN_MB: '0' })).toBe(Number.POSITIVE_INFINITY);
    expect(() => maxPayloadBytes({ SAGEMAKER_MAX_PAYLOAD_IN_MB: 'six' })).toThrow("SAGEMAKER_MAX_PAYLOAD_IN_MB is 'six'");
  });

  it('answers 413 above SAGEMAKER_MAX_PAYLOAD_IN_MB, declared or chunked, and keeps serving', async () => {
    const limit = Math.floor(0.01 * 1024 * 1024);
    const row = '0.5,0.25,0.125,1\n';
    const under = Buffer.from(row.repeat(Math.floor(limit / row.length)));
    const over = Buffer.from(row.repeat(Math.floor(limit / row.length) + 1));
    const ok = await post(under);
    expect(ok.status).toBe(200);
    expect(ok.text.split('\n').filter(Boolean)).toHaveLength(under.length / row.length);
    const declared = await post(over);
    expect(declared).toEqual({ status: 413, text: `The payload of ${over.length} bytes is over the model server's ${limit}-byte limit (SAGEMAKER_MAX_PAYLOAD_IN_MB).` });
    expect((await post(over, true)).status).toBe(413);
    expect((await post(under, true)).status).toBe(200);
  });

  it('answers /invocations only with its secret when it has one (another local process gets 403), /ping always', async () => {
    const guarded = serveBuiltin(predictorOf(model, true), { secret: 's3cret' });
    await new Promise<void>((r) => guarded.listen(0, '127.0.0.1', r));
    const at = (guarded.address() as AddressInfo).port;
    const call = (method: string, path: string, headers: Record<string, string>) => new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: at, method, path, agent: false, headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(method === 'POST' ? '0.5,0.25,0.125,1' : undefined);
    });
    try {
      expect(await call('POST', '/invocations', { 'content-type': 'text/csv' })).toEqual({ status: 403, text: 'This model server answers only Loam.' });
      expect((await call('POST', '/invocations', { 'content-type': 'text/csv', 'x-loam-instance-secret': 's3creT' })).status).toBe(403);
      expect((await call('POST', '/invocations', { 'content-type': 'text/csv', 'x-loam-instance-secret': 's3cret' })).status).toBe(200);
      expect((await call('GET', '/ping', {})).status).toBe(200);
    } finally {
      await new Promise((r) => guarded.close(r));
    }
  });
});
