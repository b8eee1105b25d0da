import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// A client that retries a request whose answer it lost (MLflow's client retries on 5xx and timeouts)
// sends the same points again: MLflow's SQL store keys a point by (run, key, timestamp, step, value,
// is_nan), so the retry changes nothing. Params follow MLflow too: the same value again is accepted,
// another value is INVALID_PARAMETER_VALUE.

let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
let experimentId: string;
beforeAll(async () => {
  loam = await openTestLoam();
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
  experimentId = (await call('POST', 'experiments/create', { name: 'retries' })).json['experiment_id'];
});
afterAll(() => loam?.close());

/** A run for each test, and for each attempt: CI's retry starts from an empty run, not the failed attempt's. */
const newRun = async (): Promise<string> => (await call('POST', 'runs/create', { experiment_id: experimentId })).json['run'].info.run_id;
const history = async (runId: string, key: string) =>
  ((await call('GET', 'metrics/get-history', { run_id: runId, metric_key: key })).json['metrics'] ?? []).map((m: { step: number; timestamp: number; value: unknown }) => [m.step, m.timestamp, m.value]);

describe('MLflow REST: retried requests', () => {
  it('a retried log-batch or log-metric stores each point once; NaN too', async () => {
    const runId = await newRun();
    const batch = { run_id: runId, metrics: [{ key: 'loss', value: 0.5, timestamp: 10, step: 0 }, { key: 'loss', value: 0.25, timestamp: 20, step: 1 }, { key: 'nan', value: 'NaN', timestamp: 10, step: 0 }], params: [{ key: 'lr', value: '0.1' }] };
    for (let i = 0; i < 2; i++) expect((await call('POST', 'runs/log-batch', batch)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await call('POST', 'runs/log-metric', { run_id: runId, key: 'acc', value: 0.9, timestamp: 30, step: 2 })).status).toBe(200);
    expect(await history(runId, 'loss')).toEqual([[0, 10, 0.5], [1, 20, 0.25]]);
    expect(await history(runId, 'nan')).toEqual([[0, 10, 'NaN']]);
    expect(await history(runId, 'acc')).toEqual([[2, 30, 0.9]]);
    // Another value at the same step and timestamp is another point.
    expect((await call('POST', 'runs/log-metric', { run_id: runId, key: 'acc', value: 0.8, timestamp: 30, step: 2 })).status).toBe(200);
    expect(await history(runId, 'acc')).toEqual([[2, 30, 0.8], [2, 30, 0.9]]);
  });

  it('a param logged again with its value is accepted; with another value it is INVALID_PARAMETER_VALUE and nothing of the batch is written', async () => {
    const runId = await newRun();
    expect((await call('POST', 'runs/log-parameter', { run_id: runId, key: 'depth', value: '4' })).status).toBe(200);
    expect((await call('POST', 'runs/log-parameter', { run_id: runId, key: 'depth', value: '4' })).status).toBe(200);
    expect((await call('POST', 'runs/log-batch', { run_id: runId, params: [{ key: 'depth', value: '4' }] })).status).toBe(200);
    const changed = await call('POST', 'runs/log-batch', { run_id: runId, params: [{ key: 'depth', value: '5' }], metrics: [{ key: 'late', value: 1, timestamp: 1, step: 0 }] });
    expect(changed).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(changed.json['message']).toContain("Param with key='depth' was already logged with value='4'");
    expect(await call('POST', 'runs/log-parameter', { run_id: runId, key: 'depth', value: '5' })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const run = (await call('GET', 'runs/get', { run_id: runId })).json['run'];
    expect(run.data.params).toEqual([{ key: 'depth', value: '4' }]);
    expect(await history(runId, 'late')).toEqual([]);
  });
});
