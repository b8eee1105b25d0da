import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// Deleting an experiment deletes its active runs, and restoring it restores its deleted runs, as in
// MLflow. A caller refused runs/delete could still delete every run of an experiment in one
// experiments/delete; the run action is now checked on the experiment too, when there is a run it would
// change, over MLflow's API and Loam's REST operations alike.

let loam: TestLoam;
let admin: ReturnType<typeof mlflowCaller>;
let keeper: ReturnType<typeof mlflowCaller>;
let keeperToken: string;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };

async function start(): Promise<void> {
  loam = await openTestLoam();
  admin = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
  // keeper may do anything with experiments, but never delete or restore a run.
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: 'keeper' }, system);
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }, { Effect: 'Deny', Action: ['sagemaker:DeleteMlflowRun', 'sagemaker:RestoreMlflowRun'], Resource: '*' }] };
  await id.CreatePolicy({ PolicyName: 'keeper-policy', PolicyDocument: JSON.stringify(doc) }, system);
  await id.AttachUserPolicy({ UserName: 'keeper', PolicyName: 'keeper-policy' }, system);
  keeperToken = (await id.CreateApiToken({ UserName: 'keeper', TokenName: 't' }, system)).ApiToken.Token;
  keeper = mlflowCaller(loam.app, `Bearer ${keeperToken}`);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

async function experimentWithRun(name: string): Promise<{ exp: string; run: string }> {
  const exp = (await admin('POST', 'experiments/create', { name })).json['experiment_id'] as string;
  const run = (await admin('POST', 'runs/create', { experiment_id: exp })).json['run'].info.run_id as string;
  return { exp, run };
}
const stages = async (exp: string, run: string) => [
  (await admin('GET', 'experiments/get', { experiment_id: exp })).json['experiment'].lifecycle_stage,
  (await admin('GET', 'runs/get', { run_id: run })).json['run'].info.lifecycle_stage,
];
const rest = async (method: 'DELETE' | 'POST', url: string) =>
  (await loam.app.inject({ method, url: `/api/v1/mlflow/${url}`, headers: { authorization: `Bearer ${keeperToken}` } }));

describe('deleting or restoring an experiment needs the run action when it changes runs', () => {
  it('refuses experiments/delete to a caller who may not delete runs, naming the action, and changes nothing', async () => {
    const { exp, run } = await experimentWithRun('with-run');
    expect((await keeper('POST', 'runs/delete', { run_id: run })).status).toBe(403);
    const r = await keeper('POST', 'experiments/delete', { experiment_id: exp });
    expect(r.status).toBe(403);
    expect(r.json['error_code']).toBe('PERMISSION_DENIED');
    expect(r.json['message']).toContain('sagemaker:DeleteMlflowRun');
    expect(r.json['message']).toContain(`Deleting experiment ${exp} deletes its runs too.`);
    expect((await rest('DELETE', `experiments/${exp}`)).statusCode).toBe(403);
    expect(await stages(exp, run)).toEqual(['active', 'active']);
  });

  it('refuses experiments/restore to a caller who may not restore runs; an administrator restores both', async () => {
    const { exp, run } = await experimentWithRun('deleted-with-run');
    expect((await admin('POST', 'experiments/delete', { experiment_id: exp })).status).toBe(200);
    expect(await stages(exp, run)).toEqual(['deleted', 'deleted']);
    const r = await keeper('POST', 'experiments/restore', { experiment_id: exp });
    expect(r.status).toBe(403);
    expect(r.json['message']).toContain('sagemaker:RestoreMlflowRun');
    expect((await rest('POST', `experiments/${exp}/restore`)).statusCode).toBe(403);
    expect(await stages(exp, run)).toEqual(['deleted', 'deleted']);
    expect((await admin('POST', 'experiments/restore', { experiment_id: exp })).status).toBe(200);
    expect(await stages(exp, run)).toEqual(['active', 'active']);
  });

  it('lets the same caller delete and restore an experiment whose runs it would not change', async () => {
    const empty = (await admin('POST', 'experiments/create', { name: 'empty' })).json['experiment_id'] as string;
    expect((await keeper('POST', 'experiments/delete', { experiment_id: empty })).status).toBe(200);
    expect((await keeper('POST', 'experiments/restore', { experiment_id: empty })).status).toBe(200);
    expect((await rest('DELETE', `experiments/${empty}`)).statusCode).toBe(200);
    // Its only run was deleted on its own, by someone allowed to: restoring the experiment brings it back, so it needs RestoreMlflowRun.
    const { exp, run } = await experimentWithRun('run-deleted-alone');
    expect((await admin('POST', 'runs/delete', { run_id: run })).status).toBe(200);
    expect((await keeper('POST', 'experiments/delete', { experiment_id: exp })).status).toBe(200);
    expect((await keeper('POST', 'experiments/restore', { experiment_id: exp })).status).toBe(403);
  });
});
