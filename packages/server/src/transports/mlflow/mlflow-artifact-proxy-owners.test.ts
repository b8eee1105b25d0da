import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// The artifact proxy authorizes a path on what really holds it. An experiment's artifact location may be
// any mlflow-artifacts:/<path> (stock MLflow allows it), so the path's first segment is not an
// experiment id: `team-bob/<run>/artifacts/f` belongs to Bob's run and experiment, whatever its name.

let loam: TestLoam;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
const A = '/api/2.0/mlflow-artifacts/artifacts';
let bobExp: string;
let bobRun: string;

async function user(name: string, deny: string[]) {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  const statements = [{ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }, ...(deny.length ? [{ Effect: 'Deny', Action: 'sagemaker:*', Resource: deny }] : [])];
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  const token = (await id.CreateApiToken({ UserName: name, TokenName: 't' }, system)).ApiToken.Token;
  const proxy = async (method: 'GET' | 'PUT' | 'DELETE', path: string, payload = 'x') => {
    const res = await loam.app.inject({ method, url: `${A}${path}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, ...(method === 'PUT' ? { payload } : {}) });
    return { status: res.statusCode, body: res.body };
  };
  const list = async (path: string) => {
    const r = await proxy('GET', `?path=${encodeURIComponent(path)}`);
    return { status: r.status, paths: r.status === 200 ? (JSON.parse(r.body) as { files?: { path: string }[] }).files?.map((f) => f.path) ?? [] : undefined };
  };
  return { mlflow: mlflowCaller(loam.app, `Bearer ${token}`), proxy, list };
}
const expArn = (id: string) => `arn:loam:sagemaker:*:*:mlflow-experiment/${id}`;

let bob: Awaited<ReturnType<typeof user>>;
let alice: Awaited<ReturnType<typeof user>>;
let admin: Awaited<ReturnType<typeof user>>;

async function start(): Promise<void> {
  loam = await openTestLoam();
  bob = await user('bob', []);
  const created = await bob.mlflow('POST', 'experiments/create', { name: 'bob-private', artifact_location: 'mlflow-artifacts:/team-bob' });
  expect(created.status).toBe(200);
  bobExp = created.json['experiment_id'];
  const run = (await bob.mlflow('POST', 'runs/create', { experiment_id: bobExp })).json['run'].info;
  bobRun = run.run_id;
  expect(run.artifact_uri).toBe(`mlflow-artifacts:/team-bob/${bobRun}/artifacts`);
  expect((await bob.proxy('PUT', `/team-bob/${bobRun}/artifacts/secret.txt`, 'bob secret weights')).status).toBe(200);
  alice = await user('alice', [expArn(bobExp)]);
  admin = await user('root-like', []);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('the artifact proxy, for a caller denied an experiment with its own mlflow-artifacts location', () => {
  it('refuses its files (read, write, delete) and hides it from root and folder listings', async () => {
    expect((await alice.mlflow('GET', 'runs/get', { run_id: bobRun })).status).toBe(404); // hidden: answered as a missing run (e9c16075)
    expect((await alice.proxy('GET', `/team-bob/${bobRun}/artifacts/secret.txt`)).status).toBe(403);
    expect((await alice.proxy('PUT', `/team-bob/${bobRun}/artifacts/planted.txt`)).status).toBe(403);
    expect((await alice.proxy('PUT', `/team-bob/planted.txt`)).status).toBe(403);
    expect((await alice.proxy('DELETE', `/team-bob/${bobRun}/artifacts/secret.txt`)).status).toBe(403);
    expect((await alice.list(`team-bob/${bobRun}/artifacts`)).status).toBe(403);
    expect((await alice.list(`team-bob/${bobRun}`)).status).toBe(403);
    expect((await alice.list('')).paths).not.toContain('team-bob');
    expect((await alice.list('team-bob')).paths).toEqual([]);
    // Bob's file is as he left it, and he and an unrestricted user still see it all.
    const got = await bob.proxy('GET', `/team-bob/${bobRun}/artifacts/secret.txt`);
    expect(got).toMatchObject({ status: 200, body: 'bob secret weights' });
    expect((await bob.list(`team-bob/${bobRun}/artifacts`)).paths).toEqual(['secret.txt']);
    expect((await bob.list('team-bob')).paths).toEqual([bobRun]);
    expect((await admin.list('')).paths).toContain('team-bob');
  });

  it('does not let a run id be read under another folder, or a path under no experiment be used', async () => {
    // The run's id under the Default experiment's folder is not the run's folder: experiment 0's, which alice may use.
    expect((await alice.proxy('GET', `/0/${bobRun}/artifacts/secret.txt`)).status).toBe(404);
    // No experiment's location holds `nowhere/…`: no one may use it, not even a caller allowed everything.
    expect((await admin.proxy('PUT', '/nowhere/f.txt')).status).toBe(403);
    expect((await admin.proxy('GET', '/nowhere/f.txt')).status).toBe(403);
  });

  it('keeps stock clients working in a location two experiments share, each seeing only its runs', async () => {
    const mine = await alice.mlflow('POST', 'experiments/create', { name: 'alice-shared', artifact_location: 'mlflow-artifacts:/team-bob' });
    expect(mine.status).toBe(200);
    const run = (await alice.mlflow('POST', 'runs/create', { experiment_id: mine.json['experiment_id'] })).json['run'].info;
    expect((await alice.proxy('PUT', `/team-bob/${run.run_id}/artifacts/model.bin`, 'alice')).status).toBe(200);
    expect((await alice.proxy('GET', `/team-bob/${run.run_id}/artifacts/model.bin`)).body).toBe('alice');
    expect((await alice.list(`team-bob/${run.run_id}/artifacts`)).paths).toEqual(['model.bin']);
    expect((await alice.list('team-bob')).paths).toEqual([run.run_id]);
    expect((await alice.list('')).paths).toContain('team-bob');
    // A file in the shared folder but in no run belongs to both experiments: alice may not write it.
    expect((await alice.proxy('PUT', '/team-bob/readme.txt')).status).toBe(403);
  });

  it('refuses an experiment located inside a run folder, which would write into that run', async () => {
    for (const location of [`mlflow-artifacts:/team-bob/${bobRun}/artifacts`, `mlflow-artifacts:/team-bob/${bobRun}`, `mlflow-artifacts:///team-bob/${bobRun}/x/`]) {
      const inside = await alice.mlflow('POST', 'experiments/create', { name: `alice-inside-${location.length}`, artifact_location: location });
      expect(inside, location).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
      expect(inside.json['message']).toContain(bobRun);
    }
    expect((await bob.list(`team-bob/${bobRun}/artifacts`)).paths).toEqual(['secret.txt']);
  });
});
