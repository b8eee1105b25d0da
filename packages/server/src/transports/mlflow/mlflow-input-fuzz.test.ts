import { describe, expect, it } from 'vitest';
import { fuzzServer } from '../../operations/fuzz-server.test-support.js';
import { casesOf, fuzzMlflow, mlflowOk, type Case, type Endpoint } from './mlflow-input-fuzz.test-support.js';

// The input fuzz (operations/input-fuzz.test.ts) for MLflow's REST API, a transport outside the operation
// table: each endpoint of /api/2.0/mlflow/… and /ajax-api/2.0/mlflow/… gets broken inputs (a required field
// missing, a field of the wrong JSON type, an id no run has, an integer that is not one, values past MLflow's
// limits, bodies that are not JSON); every answer must be a 4xx in MLflow's shape ({error_code, message})
// whose message names the field (or the id not found), never a 5xx or a hang, and a canary run with metrics,
// params and tags is unchanged after. A fixed number of seeded cases (LOAM_FUZZ_SEED replays another pick;
// LOAM_FUZZ_MLFLOW_CASES widens a run by hand), no time cut. The model registry's endpoints have their own
// fuzz (registry/mlflow-registry-input-fuzz.test.ts), the artifact proxy too (mlflow-artifact-proxy-fuzz.test.ts).

const fuzz = fuzzServer({ seed: 20261129, timeoutMs: 20_000 });
const CASES = Number(process.env.LOAM_FUZZ_MLFLOW_CASES ?? 160);

interface Canary {
  readonly experimentId: string;
  readonly runId: string;
}

const ENDPOINTS: readonly Endpoint<Canary>[] = [
  { path: 'experiments/create', method: 'POST', fields: { name: 'key', artifact_location: 'string', tags: 'key-values' }, required: ['name'], base: () => ({ name: 'fuzz-new' }) },
  { path: 'experiments/get', method: 'GET', fields: { experiment_id: 'exp-id' }, required: ['experiment_id'], base: (c) => ({ experiment_id: c.experimentId }) },
  { path: 'experiments/get-by-name', method: 'GET', fields: { experiment_name: 'key' }, required: ['experiment_name'], base: () => ({ experiment_name: 'fuzz-canary' }) },
  { path: 'experiments/search', method: 'POST', fields: { max_results: 'long', page_token: 'string', view_type: 'string', filter: 'string', order_by: 'strings' }, required: [], base: () => ({ max_results: 10 }) },
  { path: 'experiments/update', method: 'POST', fields: { experiment_id: 'exp-id', new_name: 'key' }, required: ['experiment_id', 'new_name'], base: (c) => ({ experiment_id: c.experimentId, new_name: 'fuzz-renamed' }) },
  { path: 'experiments/delete', method: 'POST', fields: { experiment_id: 'exp-id' }, required: ['experiment_id'], base: (c) => ({ experiment_id: c.experimentId }) },
  { path: 'experiments/set-experiment-tag', method: 'POST', fields: { experiment_id: 'exp-id', key: 'key', value: 'string' }, required: ['experiment_id', 'key', 'value'], base: (c) => ({ experiment_id: c.experimentId, key: 'k2', value: 'v2' }) },
  { path: 'runs/create', method: 'POST', fields: { experiment_id: 'exp-id', run_name: 'string', start_time: 'long', tags: 'key-values' }, required: [], base: (c) => ({ experiment_id: c.experimentId, start_time: 1 }) },
  { path: 'runs/get', method: 'GET', fields: { run_id: 'run-id' }, required: ['run_id'], base: (c) => ({ run_id: c.runId }) },
  { path: 'runs/update', method: 'POST', fields: { run_id: 'run-id', status: 'string', end_time: 'long', run_name: 'string' }, required: ['run_id'], base: (c) => ({ run_id: c.runId, status: 'FINISHED', end_time: 5 }) },
  { path: 'runs/delete', method: 'POST', fields: { run_id: 'run-id' }, required: ['run_id'], base: (c) => ({ run_id: c.runId }) },
  { path: 'runs/search', method: 'POST', fields: { experiment_ids: 'strings', filter: 'string', run_view_type: 'string', max_results: 'long', order_by: 'strings', page_token: 'string' }, required: [], base: (c) => ({ experiment_ids: [c.experimentId] }) },
  { path: 'runs/log-metric', method: 'POST', fields: { run_id: 'run-id', key: 'key', value: 'double', timestamp: 'long', step: 'long' }, required: ['run_id', 'key', 'value'], base: (c) => ({ run_id: c.runId, key: 'loss', value: 9, timestamp: 9, step: 9 }) },
  // (timestamp is required by MLflow but Loam's log-metric takes the time of the request without one: not broken input here.)
  { path: 'runs/log-parameter', method: 'POST', fields: { run_id: 'run-id', key: 'key', value: 'string' }, required: ['run_id', 'key', 'value'], base: (c) => ({ run_id: c.runId, key: 'p2', value: 'v' }) },
  { path: 'runs/log-batch', method: 'POST', fields: { run_id: 'run-id', metrics: 'entities', params: 'entities', tags: 'entities' }, required: ['run_id'], base: (c) => ({ run_id: c.runId, metrics: [{ key: 'loss', value: 7, timestamp: 7, step: 7 }] }) },
  { path: 'runs/log-inputs', method: 'POST', fields: { run_id: 'run-id', datasets: 'entities' }, required: ['run_id'], base: (c) => ({ run_id: c.runId, datasets: [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: 's' } }] }) },
  { path: 'runs/set-tag', method: 'POST', fields: { run_id: 'run-id', key: 'key', value: 'string' }, required: ['run_id', 'key', 'value'], base: (c) => ({ run_id: c.runId, key: 't2', value: 'v' }) },
  { path: 'runs/delete-tag', method: 'POST', fields: { run_id: 'run-id', key: 'key' }, required: ['run_id', 'key'], base: (c) => ({ run_id: c.runId, key: 'keep' }) },
  { path: 'metrics/get-history', method: 'GET', fields: { run_id: 'run-id', metric_key: 'string', max_results: 'long', page_token: 'string' }, required: ['run_id', 'metric_key'], base: (c) => ({ run_id: c.runId, metric_key: 'loss' }) },
  { path: 'artifacts/list', method: 'GET', fields: { run_id: 'run-id', path: 'string', page_token: 'string' }, required: ['run_id'], base: (c) => ({ run_id: c.runId }) },
];

function allCases(c: Canary): Case<Canary>[] {
  const out = casesOf(ENDPOINTS, c);
  // Past the body limit: log-batch's 1 MB (MLflow's own).
  const logBatch = ENDPOINTS.find((e) => e.path === 'runs/log-batch') as Endpoint<Canary>;
  out.push({ label: 'runs/log-batch body over 1 MB', endpoint: logBatch, raw: JSON.stringify({ run_id: c.runId, params: [{ key: 'p', value: 'v'.repeat(1_100_000) }] }) });
  return out;
}

/** What a refused request could touch, as the API answers it. */
async function snapshot(c: Canary): Promise<unknown> {
  return {
    experiment: await mlflowOk(fuzz, 'GET', 'experiments/get', { experiment_id: c.experimentId }),
    experiments: await mlflowOk(fuzz, 'POST', 'experiments/search', { max_results: 100, view_type: 'ALL' }),
    run: await mlflowOk(fuzz, 'GET', 'runs/get', { run_id: c.runId }),
    runs: await mlflowOk(fuzz, 'POST', 'runs/search', { experiment_ids: [c.experimentId, '0'], run_view_type: 'ALL' }),
    history: await mlflowOk(fuzz, 'GET', 'metrics/get-history', { run_id: c.runId, metric_key: 'loss' }),
  };
}

describe('MLflow input fuzz: every endpoint refuses broken input with a 4xx in MLflow\'s shape naming the field', () => {
  it(`seed ${fuzz.seed}: no 5xx, no hang, messages name the field, the canary run unchanged`, async () => {
    const { experiment_id: experimentId } = await mlflowOk(fuzz, 'POST', 'experiments/create', { name: 'fuzz-canary', tags: [{ key: 'keep', value: 'me' }] });
    const { run } = await mlflowOk(fuzz, 'POST', 'runs/create', { experiment_id: experimentId, run_name: 'canary', start_time: 1, tags: [{ key: 'keep', value: 'me' }] });
    const canary: Canary = { experimentId, runId: run.info.run_id };
    await mlflowOk(fuzz, 'POST', 'runs/log-batch', { run_id: canary.runId, metrics: [1, 2, 3].map((s) => ({ key: 'loss', value: 1 / s, timestamp: s, step: s })), params: [{ key: 'lr', value: '0.1' }] });
    const before = await snapshot(canary);

    const findings = await fuzzMlflow(fuzz, allCases(canary), CASES, 'mlflow input fuzz');
    expect(findings).toEqual([]);
    expect(await snapshot(canary)).toEqual(before);
  }, 120_000);
});
