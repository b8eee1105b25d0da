import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// Bob may do anything except touch the protected datasets and flows. A flow reads datasets for its
// caller, so every way of reaching a protected dataset through a flow — by the protected flow's name,
// through an unprotected flow whose source is protected, through a Definition of his own — is refused.
const policy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    { Effect: 'Deny', Action: '*', Resource: ['arn:loam:sagemaker:*:*:dataset/protected*', 'arn:loam:sagemaker:*:*:flow/protected*'] },
  ],
};

let loam: TestLoam;
let bobToken: string;
let protectedRunId: string;
let openRunId: string;

async function as(token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}
const bob = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => as(bobToken, method, url, payload);
const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => as(loam.adminToken, method, url, payload);

const csv = 'x,secret\n1,alpha\n2,beta\n';
const definition = (dataset: string, out?: string) => ({
  formatVersion: 1,
  nodes: [
    { id: 'src', type: 'source', dataset: { name: dataset } },
    ...(out ? [{ id: 'out', type: 'destination', inputs: ['src'], output: { s3Uri: out, format: 'csv' } }] : []),
  ],
});

async function start(): Promise<void> {
  loam = await openTestLoam();
  const id = loam.platform.identity;
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  await id.CreateUser({ UserName: 'bob' }, ctx);
  await id.CreatePolicy({ PolicyName: 'NotProtected', PolicyDocument: JSON.stringify(policy) }, ctx);
  await id.AttachUserPolicy({ UserName: 'bob', PolicyName: 'NotProtected' }, ctx);
  bobToken = (await id.CreateApiToken({ UserName: 'bob', TokenName: 't' }, ctx)).ApiToken.Token;
  await loam.platform.artifacts.ensureBucket('out');
  for (const ds of ['protected-ds', 'open-ds']) {
    expect((await admin('POST', '/api/v1/datasets', { DatasetName: ds })).status).toBe(200);
    const up = await loam.app.inject({ method: 'POST', url: `/api/v1/datasets/${ds}/upload?FileName=f.csv`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/octet-stream' }, payload: csv });
    expect(up.statusCode, up.body).toBe(200);
  }
  // protected-flow is protected by its name; sneaky is not, but its source is the protected dataset.
  for (const [name, ds] of [['protected-flow', 'protected-ds'], ['sneaky', 'protected-ds'], ['open-flow', 'open-ds']] as const) {
    const r = await admin('POST', '/api/v1/flows', { FlowName: name, Definition: definition(ds, `s3://out/${name}/`) });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  const p = await admin('POST', '/api/v1/flows/protected-flow/runs', {});
  expect(p.status, JSON.stringify(p.body)).toBe(200);
  protectedRunId = String(p.body.FlowRunId);
  const o = await admin('POST', '/api/v1/flows/open-flow/runs', {});
  expect(o.status, JSON.stringify(o.body)).toBe(200);
  openRunId = String(o.body.FlowRunId);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

function refused(r: { status: number; body: any }, resource: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(403);
  expect(r.body.detail).toContain(`on resource: arn:loam:sagemaker:`);
  expect(r.body.detail).toContain(resource);
  expect(JSON.stringify(r.body)).not.toContain('alpha');
}

describe('a flow reads its source datasets with its caller’s permissions', () => {
  it('PreviewFlow: refused on the protected flow by name (any letter case), on a flow whose source is protected, and on a Definition naming it', async () => {
    refused(await bob('POST', '/api/v1/flow-preview', { FlowName: 'protected-flow', NodeId: 'src' }), 'flow/protected-flow');
    refused(await bob('POST', '/api/v1/flow-preview', { FlowName: 'PROTECTED-FLOW', NodeId: 'src' }), 'flow/protected-flow');
    refused(await bob('POST', '/api/v1/flow-preview', { FlowName: 'sneaky', NodeId: 'src' }), 'dataset/protected-ds');
    const own = await bob('POST', '/api/v1/flow-preview', { Definition: definition('protected-ds'), NodeId: 'src' });
    refused(own, 'dataset/protected-ds');
    expect(own.body.detail).toMatch(/sagemaker:DescribeDataset on resource: arn:loam:sagemaker:[^:]*:\d+:dataset\/protected-ds with an explicit deny \(\/Definition\/nodes\/0\/dataset: source 'src'/);
    refused(await bob('POST', '/api/v1/flow-preview', { Definition: definition('PROTECTED-DS'), NodeId: 'src' }), 'dataset/protected-ds');
    // His own, unprotected data still previews.
    const ok = await bob('POST', '/api/v1/flow-preview', { FlowName: 'open-flow', NodeId: 'src' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.Rows).toEqual([[1, 'alpha'], [2, 'beta']]);
  });

  it('ExportFlowScript and DescribeFlow: refused on the protected flow; the script of a flow whose source is protected too', async () => {
    refused(await bob('GET', '/api/v1/flows/protected-flow'), 'flow/protected-flow');
    refused(await bob('GET', '/api/v1/flows/protected-flow/script'), 'flow/protected-flow');
    refused(await bob('GET', '/api/v1/flows/sneaky/script'), 'dataset/protected-ds');
  });

  it('CreateFlow / UpdateFlow: a definition whose source is protected is refused and nothing is stored', async () => {
    refused(await bob('POST', '/api/v1/flows', { FlowName: 'bobs', Definition: definition('protected-ds', 's3://out/bobs/') }), 'dataset/protected-ds');
    expect((await admin('GET', '/api/v1/flows/bobs')).status).toBe(404);
    refused(await bob('PUT', '/api/v1/flows/open-flow', { Definition: definition('protected-ds', 's3://out/open-flow/') }), 'dataset/protected-ds');
    const open = await admin('GET', '/api/v1/flows/open-flow');
    expect(open.body).toMatchObject({ LatestVersion: 1, Definition: { nodes: [{ dataset: { name: 'open-ds' } }, {}] } });
    refused(await bob('PUT', '/api/v1/flows/protected-flow', { Definition: definition('open-ds', 's3://out/x/') }), 'flow/protected-flow');
    expect((await admin('GET', '/api/v1/flows/protected-flow')).body.LatestVersion).toBe(1);
    // Bob's own flow of his own data is taken.
    expect((await bob('POST', '/api/v1/flows', { FlowName: 'bobs', Definition: definition('open-ds', 's3://out/bobs/') })).status).toBe(200);
  });

  it('StartFlowRun: refused on the protected flow and on a flow whose source is protected; no run is stored', async () => {
    refused(await bob('POST', '/api/v1/flows/protected-flow/runs', {}), 'flow/protected-flow');
    refused(await bob('POST', '/api/v1/flows/sneaky/runs', {}), 'dataset/protected-ds');
    expect((await admin('GET', '/api/v1/flow-runs?FlowName=sneaky')).body.FlowRuns).toEqual([]);
    expect((await admin('GET', '/api/v1/flow-runs?FlowName=protected-flow')).body.FlowRuns).toHaveLength(1);
  });

  it('DescribeFlowRun / ListFlowRuns: a run is its flow’s; runs of flows the caller may not list are left out', async () => {
    refused(await bob('GET', `/api/v1/flow-runs/${protectedRunId}`), 'flow/protected-flow');
    refused(await bob('GET', '/api/v1/flow-runs?FlowName=protected-flow'), 'flow/protected-flow');
    const all = await bob('GET', '/api/v1/flow-runs');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.FlowRuns.map((r: { FlowRunId: string }) => r.FlowRunId)).toEqual([openRunId]);
    expect((await bob('GET', `/api/v1/flow-runs/${openRunId}`)).body).toMatchObject({ FlowRunId: openRunId, FlowName: 'open-flow' });
  });

  it('the administrator still previews, describes and lists everything', async () => {
    const p = await admin('POST', '/api/v1/flow-preview', { FlowName: 'protected-flow', NodeId: 'src' });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    expect(p.body.Rows).toEqual([[1, 'alpha'], [2, 'beta']]);
    expect((await admin('POST', '/api/v1/flow-preview', { Definition: definition('protected-ds'), NodeId: 'src' })).status).toBe(200);
    expect((await admin('GET', '/api/v1/flows/sneaky/script')).status).toBe(200);
    expect((await admin('GET', `/api/v1/flow-runs/${protectedRunId}`)).body).toMatchObject({ FlowName: 'protected-flow' });
    expect((await admin('GET', '/api/v1/flow-runs')).body.FlowRuns).toHaveLength(2);
    expect((await admin('PUT', '/api/v1/flows/sneaky', { Definition: definition('protected-ds', 's3://out/sneaky2/') })).body.Version).toBe(2);
  });
});

describe('a dataset upload is checked on the dataset’s ARN', () => {
  it('refuses an upload to a protected dataset named in capitals, naming its ARN as every other operation does (lower-cased)', async () => {
    const r = await loam.app.inject({ method: 'POST', url: '/api/v1/datasets/Protected-Upload/upload?FileName=f.csv', headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'application/octet-stream' }, payload: csv });
    expect(r.statusCode, r.body).toBe(403);
    expect(r.json().detail).toMatch(/on resource: arn:loam:sagemaker:[^:]*:\d+:dataset\/protected-upload with an explicit deny/);
    expect((await admin('GET', '/api/v1/datasets/Protected-Upload')).status).toBe(404);
  });
});
