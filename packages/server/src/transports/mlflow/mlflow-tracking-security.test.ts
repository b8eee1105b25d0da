import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// The experiment is the boundary of its runs: a caller refused an experiment must not reach its runs
// through searches, names, run ids or the artifact proxy, over MLflow's API or Loam's REST operations.

let loam: TestLoam;
let admin: ReturnType<typeof mlflowCaller>;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
const denied = { status: 403, json: { error_code: 'PERMISSION_DENIED' } };
/** A run id no run has: a hidden run must answer as this one does. */
const never = 'f'.repeat(32);
let exp: string;
let other: string;
let runId: string;
let otherRun: string;

/** A user allowed sagemaker:* except on the resources `deny` lists; its MLflow caller and REST token. */
async function userDenied(name: string, deny: string[], denyAction = 'sagemaker:*') {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  const statements = [{ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }, ...(deny.length ? [{ Effect: 'Deny', Action: denyAction, Resource: deny }] : [])];
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  const token = (await id.CreateApiToken({ UserName: name, TokenName: 't' }, system)).ApiToken.Token;
  const rest = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await loam.app.inject({ method, url: `/api/v1/mlflow/${url}`, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
    return { status: res.statusCode, json: JSON.parse(res.body) as Record<string, any> };
  };
  const artifact = async (method: 'GET' | 'PUT', path: string) =>
    (await loam.app.inject({ method, url: `/api/2.0/mlflow-artifacts/artifacts${path}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, ...(method === 'PUT' ? { payload: 'x' } : {}) })).statusCode;
  return { mlflow: mlflowCaller(loam.app, `Bearer ${token}`), rest, artifact };
}

const arn = (kind: string, id: string) => `arn:loam:sagemaker:*:*:${kind}/${id}`;
const runIds = (json: Record<string, any>, field = 'runs') => ((json[field] ?? []) as { info?: { run_id: string }; Info?: { RunId: string } }[]).map((r) => r.info?.run_id ?? r.Info?.RunId);

async function start(): Promise<void> {
  loam = await openTestLoam();
  admin = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
  exp = (await admin('POST', 'experiments/create', { name: 'secret-exp' })).json['experiment_id'];
  other = (await admin('POST', 'experiments/create', { name: 'open-exp' })).json['experiment_id'];
  runId = (await admin('POST', 'runs/create', { experiment_id: exp })).json['run'].info.run_id;
  otherRun = (await admin('POST', 'runs/create', { experiment_id: other })).json['run'].info.run_id;
  expect((await admin('POST', 'runs/log-batch', { run_id: runId, params: [{ key: 'secret', value: 's3cr3t' }], metrics: [{ key: 'acc', value: 0.9, timestamp: 1, step: 0 }] })).status).toBe(200);
  const put = await loam.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/f.txt`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/plain' }, payload: 'secret' });
  expect(put.statusCode).toBe(200);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('a caller refused an experiment and its runs', () => {
  it('finds neither through searches nor by name, over MLflow and REST', async () => {
    const u = await userDenied('no-exp-no-runs', [arn('mlflow-experiment', exp), arn('mlflow-run', '*')]);
    const search = await u.mlflow('POST', 'runs/search', { experiment_ids: [exp] });
    expect(search.status).toBe(200);
    expect(search.json['runs'] ?? []).toEqual([]);
    expect(runIds((await u.rest('POST', 'runs/search', { ExperimentIds: [exp] })).json, 'Runs')).toEqual([]);
    // An experiment the caller may not get answers get-by-name as a name no experiment has: MLflow's
    // RESOURCE_DOES_NOT_EXIST and message, not PERMISSION_DENIED (which told them it exists).
    for (const name of ['secret-exp', 'never-exp']) {
      expect(await u.mlflow('GET', 'experiments/get-by-name', { experiment_name: name }), name).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Could not find experiment with name ${name}` } });
    }
    const names = (json: Record<string, any>, field: string) => (json[field] as { name?: string; Name?: string }[]).map((e) => e.name ?? e.Name);
    expect(names((await u.mlflow('POST', 'experiments/search', {})).json, 'experiments')).toEqual(expect.arrayContaining(['Default', 'open-exp']));
    expect(names((await u.mlflow('POST', 'experiments/search', {})).json, 'experiments')).not.toContain('secret-exp');
    expect(names((await u.mlflow('GET', 'experiments/search', {})).json, 'experiments')).not.toContain('secret-exp');
    expect(names((await u.rest('GET', 'experiments')).json, 'Experiments')).not.toContain('secret-exp');
    // The experiment it may read is still answered (its runs are refused by the Deny on mlflow-run/*).
    expect((await u.mlflow('GET', 'experiments/get-by-name', { experiment_name: 'open-exp' })).json['experiment'].experiment_id).toBe(other);
  });
});

describe('a caller refused only an experiment', () => {
  it('cannot read, change, list or download its runs by run id, over MLflow and REST', async () => {
    const u = await userDenied('no-exp', [arn('mlflow-experiment', exp)]);
    const runCalls: [method: 'GET' | 'POST', path: string, body: Record<string, unknown>][] = [
      ['GET', 'runs/get', { run_id: runId }],
      ['POST', 'runs/log-parameter', { run_id: runId, key: 'planted', value: 'x' }],
      ['POST', 'runs/log-metric', { run_id: runId, key: 'planted', value: 1, timestamp: 1, step: 0 }],
      ['POST', 'runs/log-batch', { run_id: runId, params: [{ key: 'planted2', value: 'x' }] }],
      ['POST', 'runs/log-inputs', { run_id: runId, datasets: [] }],
      ['POST', 'runs/set-tag', { run_id: runId, key: 'planted', value: 'x' }],
      ['POST', 'runs/delete-tag', { run_id: runId, key: 'mlflow.runName' }],
      ['POST', 'runs/update', { run_id: runId, status: 'KILLED' }],
      ['POST', 'runs/delete', { run_id: runId }],
      ['POST', 'runs/restore', { run_id: runId }],
      ['GET', 'metrics/get-history', { run_id: runId, metric_key: 'acc' }],
      ['GET', 'artifacts/list', { run_id: runId }],
      // The older field name is the same run.
      ['GET', 'runs/get', { run_uuid: runId }],
    ];
    // The run is hidden by its experiment, which its id does not name: each call answers as for a run id no
    // run has (MLflow's RESOURCE_DOES_NOT_EXIST and message, the run id aside), not PERMISSION_DENIED.
    const asMissing = (id: string) => ({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run with id=${id} not found` } });
    for (const [method, path, body] of runCalls) {
      const swap = (b: Record<string, unknown>, id: string) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v === runId ? id : v]));
      expect(await u.mlflow(method, path, body), `${path} ${JSON.stringify(body)}`).toMatchObject(asMissing(runId));
      expect(await u.mlflow(method, path, swap(body, never)), `${path} never`).toMatchObject(asMissing(never));
    }
    for (const id of [runId, never]) {
      const missing = { status: 404, json: { code: 'ResourceNotFound', detail: `Run with id=${id} not found` } };
      expect(await u.rest('GET', `runs/${id}`), id).toMatchObject(missing);
      expect(await u.rest('POST', `runs/${id}/batch`, { Params: [{ Key: 'planted3', Value: 'x' }] }), id).toMatchObject(missing);
      expect(await u.rest('GET', `runs/${id}/artifacts`), id).toMatchObject(missing);
      expect(await u.rest('GET', `runs/${id}/metric-history?MetricKey=acc`), id).toMatchObject(missing);
    }
    // A caller who may log to the run but not read it (a Deny on GetMlflowRun there) logs nothing: it answers as a missing run.
    const blind = await userDenied('blind-writer', [arn('mlflow-experiment', exp)], 'sagemaker:GetMlflowRun');
    for (const id of [runId, never]) expect(await blind.mlflow('POST', 'runs/log-parameter', { run_id: id, key: 'blind', value: 'x' }), id).toMatchObject(asMissing(id));
    expect((await admin('GET', 'runs/get', { run_id: runId })).json['run'].data.params ?? []).not.toContainEqual(expect.objectContaining({ key: 'blind' }));
    // A caller who may read the run but not log to it is refused: it knows the run exists.
    const reader = await userDenied('reads-exp', [arn('mlflow-experiment', exp)], 'sagemaker:LogMlflowParam');
    expect((await reader.mlflow('GET', 'runs/get', { run_id: runId })).status).toBe(200);
    expect(await reader.mlflow('POST', 'runs/log-parameter', { run_id: runId, key: 'planted', value: 'x' })).toMatchObject(denied);
    expect(await u.artifact('GET', `/${exp}/${runId}/artifacts/f.txt`)).toBe(403);
    expect(runIds((await u.mlflow('POST', 'runs/search', { experiment_ids: [exp, other] })).json)).toEqual([otherRun]);
    // Nothing was written, and the run is as it was.
    const run = (await admin('GET', 'runs/get', { run_id: runId })).json['run'];
    expect(run.info).toMatchObject({ status: 'RUNNING', lifecycle_stage: 'active' });
    expect(run.data.params).toEqual([{ key: 'secret', value: 's3cr3t' }]);
    expect(run.data.tags).toEqual([{ key: 'mlflow.runName', value: run.info.run_name }]);
    // Runs of the experiments it may use still work.
    expect((await u.mlflow('GET', 'runs/get', { run_id: otherRun })).status).toBe(200);
    expect((await u.mlflow('POST', 'runs/log-parameter', { run_id: otherRun, key: 'ok', value: '1' })).status).toBe(200);
    expect((await u.rest('GET', `runs/${otherRun}`)).status).toBe(200);
    expect(await u.artifact('PUT', `/${other}/${otherRun}/artifacts/ok.txt`)).toBe(200);
  });

  it('cannot start a run in the Default experiment by leaving experiment_id out', async () => {
    const u = await userDenied('no-default', [arn('mlflow-experiment', '0')]);
    expect(await u.mlflow('POST', 'runs/create', {})).toMatchObject(denied);
    expect((await u.rest('POST', 'runs', {})).status).toBe(403);
    expect((await u.mlflow('POST', 'runs/create', { experiment_id: other })).status).toBe(200);
  });
});

describe('a caller refused only a run', () => {
  it('cannot reach it through the artifact proxy, a search or an empty run_id beside run_uuid', async () => {
    const u = await userDenied('no-run', [arn('mlflow-run', runId)]);
    expect(await u.artifact('GET', `/${exp}/${runId}/artifacts/f.txt`)).toBe(403);
    expect(await u.artifact('GET', `?path=${exp}/${runId}/artifacts`)).toBe(403);
    expect(await u.artifact('PUT', `/${exp}/${runId}/artifacts/planted.txt`)).toBe(403);
    expect(await u.mlflow('GET', 'runs/get', { run_id: '', run_uuid: runId })).toMatchObject(denied);
    expect(await u.mlflow('POST', 'runs/log-parameter', { run_id: '', run_uuid: runId, key: 'planted', value: 'x' })).toMatchObject(denied);
    expect(runIds((await u.mlflow('POST', 'runs/search', { experiment_ids: [exp] })).json)).toEqual([]);
    expect(runIds((await u.rest('POST', 'runs/search', { ExperimentIds: [exp] })).json, 'Runs')).toEqual([]);
    // The experiment itself is still its to read.
    expect((await u.mlflow('GET', 'experiments/get-by-name', { experiment_name: 'secret-exp' })).status).toBe(200);
  });
});
