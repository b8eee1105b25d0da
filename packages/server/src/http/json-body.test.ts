import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { checkJsonShape, MAX_JSON_DEPTH, parseJsonBody } from './json-body.js';

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('parseJsonBody', () => {
  it('parses ordinary bodies, including deep-enough ones', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,{"b":"é"}]}'))).toEqual({ a: [1, { b: 'é' }] });
    expect(() => parseJsonBody(nested(MAX_JSON_DEPTH))).not.toThrow();
  });

  it('refuses nesting past the limit, naming where', () => {
    expect(() => parseJsonBody(`{"Tags":${nested(150)}}`)).toThrow(/nests deeper than 100 levels \(at 'Tags\.0\.0\.0/);
    // Far deeper is refused from the text, before it is parsed.
    expect(() => parseJsonBody(`{"Tags":${nested(5_000_000)}}`)).toThrow(/nests deeper than 100 levels \(at character \d+\)/);
  });

  it('refuses more than 100,000 objects and arrays before parsing them', () => {
    const many = (n: number) => `{"Tags":[${Array.from({ length: n }, () => '{}').join(',')}]}`;
    expect(() => parseJsonBody(many(99_998))).not.toThrow();
    expect(() => parseJsonBody(many(100_000))).toThrow(/holds more than 100000 objects and arrays/);
  });

  it('refuses prototype keys anywhere, naming the key path', () => {
    expect(() => parseJsonBody('{"a":[{"__proto__":{"polluted":1}}]}')).toThrow("has a '__proto__' key at 'a.0.__proto__'");
    expect(() => parseJsonBody('{"constructor":{"prototype":{"polluted":1}}}')).toThrow("has a 'constructor.prototype' key at 'constructor'");
    // A key named constructor holding a plain value is just data.
    expect(parseJsonBody('{"constructor":"x"}')).toEqual({ constructor: 'x' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses invalid UTF-8 by byte offset instead of storing U+FFFD', () => {
    const body = Buffer.concat([Buffer.from('{"v":"ab'), Buffer.from([0xe9]), Buffer.from('"}')]);
    expect(() => parseJsonBody(body)).toThrow('byte offset 8 (0xe9)');
    expect(() => parseJsonBody(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).toThrow('byte offset 1 (0xed)'); // a UTF-16 surrogate
  });

  it('counts members outside strings only, per object', () => {
    const wide = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":"a,b,{c"`).join(',')}}`;
    expect(() => parseJsonBody(`{"a":${wide(10_000)},"b":${wide(10_000)}}`)).not.toThrow();
    expect(() => parseJsonBody(`[1,${wide(10_001)}]`)).toThrow('an object with more than 10000 members (the one opened at character 3)');
    expect(() => parseJsonBody(`[${'0,'.repeat(20_000)}0]`)).not.toThrow();
  });

  it('walks a wide object without recursion', () => {
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, { v: i }]));
    expect(() => checkJsonShape(wide)).not.toThrow();
  });
});

describe('JSON bodies over REST and MLflow', () => {
  let loam: TestLoam;
  beforeAll(async () => {
    loam = await openTestLoam();
  });
  afterAll(async () => loam?.close());

  const post = (url: string, payload: string | Buffer) => loam.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload });

  it('answers 400 naming the place for deep, prototype-keyed and non-UTF-8 bodies (deep ones were a 500)', async () => {
    const cases: [string | Buffer, RegExp][] = [
      [`{"UserName":"x","Tags":${nested(150)}}`, /nests deeper than 100 levels \(at 'Tags\.0/],
      [`{"UserName":"x","Tags":${nested(100_000)}}`, /nests deeper than 100 levels \(at character \d+\)/],
      ['{"UserName":"x","__proto__":{"polluted":1}}', /'__proto__' key at '__proto__'/],
      ['{"UserName":"x","Tags":[{"Key":"k","Value":"v","constructor":{"prototype":{"polluted":1}}}]}', /'constructor\.prototype' key at 'Tags\.0\.constructor'/],
      [Buffer.concat([Buffer.from('{"UserName":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]), /not valid UTF-8: byte offset 16 \(0xe9\)/],
      ['{"UserName":NaN}', /not valid JSON/],
      ['', /not valid JSON: it is empty/],
    ];
    for (const [payload, re] of cases) {
      const r = await post('/api/v1/users', payload);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().code).toBe('ValidationException');
      expect(r.json().detail).toMatch(re);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const users = await loam.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect(users.json().Users.map((u: { UserName: string }) => u.UserName)).toEqual(['admin']);
  });

  it('refuses an object of a million members before parsing it', async () => {
    const body = `{"UserName":"wide",${Array.from({ length: 1_000_000 }, (_, i) => `"${i.toString(36)}":0`).join(',')}}`;
    const r = await post('/api/v1/users', body);
    expect(r.statusCode).toBe(400);
    expect(r.json().detail).toBe('The request body has an object with more than 10000 members (the one opened at character 0).');
  });

  it('lists at most 20 fields of a body with 5,000 unknown members, and counts up to 1,000', async () => {
    const body = JSON.stringify(Object.fromEntries([['UserName', 'wide'], ...Array.from({ length: 5_000 }, (_, i) => [`k${i}`, 0])]));
    const r = await post('/api/v1/users', body);
    expect(r.statusCode).toBe(400);
    const { detail, errors } = r.json() as { detail: string; errors: unknown[] };
    expect(detail).toMatch(/^At least 1000 validation errors detected: Value '0' at 'k0' failed to satisfy constraint: Member is not a member of CreateUser's input;/);
    expect(detail).toMatch(/; and at least 980 more\.$/);
    expect(errors).toHaveLength(20);
    expect(detail.length).toBeLessThan(4000);
  });

  it('MLflow: an invalid UTF-8 tag value is MALFORMED_REQUEST, not stored as U+FFFD', async () => {
    const run = await post('/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: '0' }));
    const runId = run.json().run.info.run_id as string;
    const r = await post('/api/2.0/mlflow/runs/set-tag', Buffer.concat([Buffer.from(`{"run_id":"${runId}","key":"k","value":"`), Buffer.from([0xff]), Buffer.from('"}')]));
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error_code: 'MALFORMED_REQUEST', message: expect.stringMatching(/not valid UTF-8: byte offset \d+ \(0xff\)/) });
    const deep = await post('/api/2.0/mlflow/runs/log-metric', `{"run_id":"${runId}","key":"m","value":1,"timestamp":1,"x":${nested(100_000)}}`);
    expect(deep.statusCode).toBe(400);
    expect(deep.json().error_code).toBe('MALFORMED_REQUEST');
    const got = await loam.app.inject({ method: 'GET', url: `/api/2.0/mlflow/runs/get?run_id=${runId}`, headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect(got.json().run.data.tags.map((t: { key: string }) => t.key)).not.toContain('k');
    expect(got.json().run.data.metrics ?? []).toEqual([]);
  });
});
