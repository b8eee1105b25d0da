import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { flowsSpec, flowVersionsSpec } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// Eve may do anything but read the secret datasets. A flow's custom formula and filter are SQL
// expressions run by the server's DuckDB, which holds every user's staged objects: an expression
// that could read files, list them or query settings would read the secret dataset past her policy.
const policy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    { Effect: 'Deny', Action: '*', Resource: ['arn:loam:sagemaker:*:*:dataset/secret*'] },
  ],
};

let loam: TestLoam;
let eveToken: string;

async function as(token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}
const eve = (method: 'GET' | 'POST', url: string, payload?: unknown) => as(eveToken, method, url, payload);
const admin = (method: 'GET' | 'POST', url: string, payload?: unknown) => as(loam.adminToken, method, url, payload);

async function upload(ds: string, csv: string): Promise<void> {
  expect((await admin('POST', '/api/v1/datasets', { DatasetName: ds })).status).toBe(200);
  const up = await loam.app.inject({ method: 'POST', url: `/api/v1/datasets/${ds}/upload?FileName=f.csv`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/octet-stream' }, payload: csv });
  expect(up.statusCode, up.body).toBe(200);
}

const step = (transform: string, params: Record<string, unknown>) => ({
  formatVersion: 1,
  nodes: [
    { id: 'src', type: 'source', dataset: { name: 'mine' } },
    { id: 'f', type: 'transform', transform, inputs: ['src'], params },
  ],
});
const preview = (transform: string, params: Record<string, unknown>) => eve('POST', '/api/v1/flow-preview', { Definition: step(transform, params), NodeId: 'f' });

async function start(): Promise<void> {
  loam = await openTestLoam();
  const id = loam.platform.identity;
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  await id.CreateUser({ UserName: 'eve' }, ctx);
  await id.CreatePolicy({ PolicyName: 'NoSecrets', PolicyDocument: JSON.stringify(policy) }, ctx);
  await id.AttachUserPolicy({ UserName: 'eve', PolicyName: 'NoSecrets' }, ctx);
  eveToken = (await id.CreateApiToken({ UserName: 'eve', TokenName: 't' }, ctx)).ApiToken.Token;
  await upload('secret-pay', 'name,salary\nalice,123456\nbob,654321\n');
  await upload('mine', 'name,salary\nme,1\nyou,2\n');
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

function refusedWithoutData(r: { status: number; body: any }, construct: RegExp): void {
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.detail).toContain("Flow node 'f'");
  expect(r.body.detail).toMatch(construct);
  const text = JSON.stringify(r.body);
  for (const leak of ['alice', '123456', 'datasets-work', loam.dataDir]) expect(text).not.toContain(leak);
}

describe('flow expressions are scalar expressions over the row', () => {
  it('the review’s attack: a subquery over read_csv of the staging cache is refused, and no row of the denied dataset comes back', async () => {
    const cache = join(loam.dataDir, 'datasets-work', 'cache', '*.csv');
    const r = await preview('custom_formula', { expression: `(SELECT string_agg(name||':'||salary,'|') FROM read_csv('${cache}'))`, to: 'z' });
    refusedWithoutData(r, /subquery/i);
  });

  it('refuses settings, file listing and table functions, in a formula or a filter, however they are written', async () => {
    refusedWithoutData(await preview('custom_formula', { expression: "current_setting('allowed_directories')", to: 'z' }), /current_setting/);
    refusedWithoutData(await preview('custom_formula', { expression: "(SELECT list(file) FROM glob('/**'))", to: 'z' }), /subquery/i);
    refusedWithoutData(await preview('filter_rows', { condition: "salary IN (SELECT salary FROM read_csv('/etc/passwd'))" }), /subquery/i);
    refusedWithoutData(await preview('filter_rows', { condition: "EXISTS (FROM glob('/**'))" }), /subquery/i);
    refusedWithoutData(await preview('custom_formula', { expression: "1) AS a FROM read_csv('/etc/passwd') --", to: 'z' }), /./);
    refusedWithoutData(await preview('custom_formula', { expression: "1 FROM read_csv('/etc/passwd')", to: 'z' }), /one SQL expression|FROM/);
    refusedWithoutData(await preview('custom_formula', { expression: "salary) AS a, (42", to: 'z' }), /no second column/);
    refusedWithoutData(await preview('custom_formula', { expression: "max(salary) FILTER (WHERE salary IN (FROM read_csv('/etc/passwd'))) OVER ()", to: 'z' }), /subquery/i);
  });

  it('keeps ordinary expressions: arithmetic, functions, CASE, casts, lambdas, window functions', async () => {
    const f = await preview('custom_formula', { expression: "CASE WHEN salary > 1 THEN upper(name) ELSE name || '!' END || CAST(salary * 2 AS VARCHAR) || list_transform([salary], v -> v + 1)[1]::VARCHAR || row_number() OVER ()", to: 'z' });
    expect(f.status, JSON.stringify(f.body)).toBe(200);
    expect(f.body.Rows.map((r: unknown[]) => r[2])).toEqual(['me!221', 'YOU432']);
    const g = await preview('filter_rows', { condition: "salary >= 2 AND name LIKE 'y%' -- trailing comment" });
    expect(g.status, JSON.stringify(g.body)).toBe(200);
    expect(g.body.Rows).toEqual([['you', 2]]);
  });
});

describe('flow expressions are checked when a flow is stored or run, not only when it is previewed', () => {
  const attack = "(SELECT string_agg(name||':'||salary,'|') FROM read_csv('/tmp/*.csv'))";
  const withDestination = (expression: string) => ({ ...step('custom_formula', { expression, to: 'z' }), nodes: [...step('custom_formula', { expression, to: 'z' }).nodes, { id: 'out', type: 'destination', inputs: ['f'], output: { s3Uri: 's3://out/x/', format: 'csv' } }] });

  it('CreateFlow and UpdateFlow refuse a subquery with a 400 naming the node’s param, and store nothing', async () => {
    const c = await eve('POST', '/api/v1/flows', { FlowName: 'sneaky', Definition: step('custom_formula', { expression: attack, to: 'z' }) });
    expect(c.status, JSON.stringify(c.body)).toBe(400);
    expect(c.body.detail).toMatch(/Flow node 'f': param 'expression' .*subquery/);
    expect(c.body.errors).toEqual([expect.objectContaining({ path: '/Definition/nodes/1/params/expression' })]);
    expect((await eve('GET', '/api/v1/flows/sneaky')).status).toBe(404);
    expect((await eve('POST', '/api/v1/flows', { FlowName: 'sneaky', Definition: step('filter_rows', { condition: 'salary > 1' }) })).status).toBe(200);
    const u = await as(eveToken, 'PUT', '/api/v1/flows/sneaky', { Definition: step('filter_rows', { condition: `salary IN ${attack}` }) });
    expect([u.status, JSON.stringify(u.body)]).toEqual([400, expect.stringContaining("Flow node 'f': param 'condition'")]);
  });

  it('StartFlowRun refuses a flow stored before the check, before any job starts', async () => {
    const now = Date.now();
    await loam.platform.store.collection(flowsSpec).insert({ flowName: 'stored-before', arn: 'arn:loam:sagemaker:us-east-1:000000000000:flow/stored-before', createdAt: now, lastModifiedAt: now, latestVersion: 1 });
    await loam.platform.store.collection(flowVersionsSpec).insert({ id: 'stored-before#00000001', flowName: 'stored-before', version: 1, createdAt: now, definition: withDestination(attack) as never });
    const r = await eve('POST', '/api/v1/flows/stored-before/runs', {});
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.detail).toMatch(/Flow node 'f': param 'expression' .*subquery/);
    expect((await eve('GET', '/api/v1/flow-runs?FlowName=stored-before')).body.FlowRuns).toEqual([]);
  });
});

describe('flow text that reaches the exported script', () => {
  it('refuses a label or transform name with a line break (it would end the script’s comment and start a statement), naming the member', async () => {
    const label = "x\nCOPY (SELECT 'owned' AS a) TO '/tmp/pwned.csv'; --";
    const doc = { formatVersion: 1, nodes: [{ id: 'src', type: 'source', dataset: { name: 'mine' }, label }] };
    const r = await eve('POST', '/api/v1/flows', { FlowName: 'labelled', Definition: doc });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.detail).toMatch(/definition\.nodes\.1\.member\.label.*failed to satisfy constraint/s);
    const t = await eve('POST', '/api/v1/flows', { FlowName: 'labelled', Definition: { formatVersion: 1, nodes: [{ id: 'src', type: 'source', dataset: { name: 'mine' }, transform: 'x\n.shell id' }] } });
    expect(t.status, JSON.stringify(t.body)).toBe(400);
    expect(t.body.detail).toContain("at 'definition.nodes.1.member.transform'");
    expect((await eve('GET', '/api/v1/flows/labelled')).status).toBe(404);
    const ok = await eve('POST', '/api/v1/flows', { FlowName: 'labelled', Definition: { ...doc, nodes: [{ ...doc.nodes[0], label: 'Orders — 2026 (été)' }] } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });
});
