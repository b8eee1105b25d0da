import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import mlflowModule from 'mlflow';
import { readCredentialsProfile } from '@loam/cli';
import { removeDataDir, runLoam, startLoamProcess, stopLoamProcess, tempDataDir, type LoamProcess } from '../loam-process.test-support.js';

/*
 * The `mlflow` npm client (an independent MLflow REST client) against `loam up` as a real process,
 * authenticated the two ways MLflow clients do: a bearer token and Basic (access key id / secret).
 */

// index.js exports the class itself (its typings say otherwise, and mark optional fields required).
type Call = (args: Record<string, unknown>) => Promise<any>;
interface Client {
  Experiments: Record<'create' | 'get' | 'setExperimentTag', Call>;
  Runs: Record<'create' | 'get' | 'logParameter' | 'logMetric' | 'logBatch' | 'search' | 'update' | 'delete' | 'restore', Call>;
  Metrics: Record<'getHistory', Call>;
  Artifacts: Record<'list', Call>;
}
const MLflow = mlflowModule as unknown as new (o: { endpoint: string; headers?: Record<string, string> }) => Client;

let loam: LoamProcess;
let dataDir: string;
let creds: Record<string, string>;
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    // The client throws Error(String(Error(JSON.stringify({status, statusText, data})))).
    const json = /(\{.*\})/.exec((e as Error).message)?.[1];
    return JSON.parse(json ?? '{}') as { status: number; data: { error_code: string; message: string } };
  }
  throw new Error('expected the call to fail');
};

beforeAll(async () => {
  // The client console.logs every POST body; keep the test output readable.
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  dataDir = tempDataDir('loam-mlflow-');
  loam = await startLoamProcess(dataDir);
  creds = readCredentialsProfile(loam.info.credentialsFile) ?? {};
});
afterAll(async () => {
  await stopLoamProcess(loam);
  await removeDataDir(dataDir);
});

describe('the mlflow npm client against loam up', () => {
  // CI's retry shares the server: it names its experiments anew (the failed attempt's names are taken).
  it('creates an experiment and a run, logs params, metrics and a batch, searches, reads history, finishes', async ({ task }) => {
    const name = nameForAttempt(task, 'npm-client');
    const ml = new MLflow({ endpoint: loam.url, headers: { Authorization: `Bearer ${creds['loam_api_token']}` } });
    const { experiment_id } = await ml.Experiments.create({ name });
    expect(experiment_id).toMatch(/^\d+$/);
    expect((await ml.Experiments.get({ experiment_id })).experiment).toMatchObject({ name, lifecycle_stage: 'active' });

    const runs: string[] = [];
    for (const [lr, rmse] of [['0.1', 0.4], ['0.01', 0.2], ['0.001', 0.3]] as const) {
      const { run } = await ml.Runs.create({ experiment_id, start_time: Date.now(), tags: [{ key: 'framework', value: 'xgboost' }] });
      runs.push(run.info.run_id);
      await ml.Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: lr });
      await ml.Runs.logMetric({ run_id: run.info.run_id, key: 'rmse', value: rmse + 0.5, timestamp: Date.now(), step: 0 });
      await ml.Runs.logBatch({
        run_id: run.info.run_id,
        metrics: [1, 2, 3].map((step) => ({ key: 'rmse', value: rmse + 0.5 / (step + 1), timestamp: Date.now(), step })),
        params: [{ key: 'depth', value: '6' }],
        tags: [{ key: 'stage', value: 'tuning' }],
      });
    }

    const found = await ml.Runs.search({ experiment_ids: [experiment_id], filter: "metrics.rmse < 0.5 AND params.depth = '6' AND tags.stage = 'tuning'", order_by: ['metrics.rmse ASC'] });
    expect(found.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runs[1], runs[2]]);
    expect(found.runs[0]!.data.metrics).toEqual([expect.objectContaining({ key: 'rmse', value: 0.2 + 0.5 / 4, step: 3 })]);

    const history = await ml.Metrics.getHistory({ run_id: runs[1]!, metric_key: 'rmse' });
    expect(history.metrics.map((m: { step: number; value: number }) => [m.step, m.value])).toEqual([[0, 0.7], [1, 0.45], [2, 0.2 + 0.5 / 3], [3, 0.325]]);

    const end = Date.now();
    const { run_info } = await ml.Runs.update({ run_id: runs[1]!, status: 'FINISHED', end_time: end });
    expect(run_info).toMatchObject({ status: 'FINISHED', end_time: end });
    const { run } = await ml.Runs.get({ run_id: runs[1]! });
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toEqual([{ key: 'depth', value: '6' }, { key: 'lr', value: '0.01' }]);
    expect((await ml.Artifacts.list({ run_id: runs[1]! })).root_uri).toBe(`mlflow-artifacts:/${experiment_id}/${runs[1]}/artifacts`);

    // The same runs through the CLI, with the same filter grammar.
    const cli = await runLoam(['--endpoint', loam.url, '--token', creds['loam_api_token']!, 'runs', 'list', '--experiment-id', experiment_id, '--filter', 'metrics.rmse < 0.5', '--order-by', 'metrics.rmse DESC']);
    expect(cli.code, cli.stderr).toBe(0);
    const lines = cli.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RUN ID\s+NAME\s+STATUS\s+STARTED\s+rmse$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([runs[2], runs[1]]);
    const hist = await runLoam(['--endpoint', loam.url, '--token', creds['loam_api_token']!, 'runs', 'history', runs[1]!, 'rmse', '--json']);
    expect((JSON.parse(hist.stdout) as { Metrics: { Step: number }[] }).Metrics.map((m) => m.Step)).toEqual([0, 1, 2, 3]);

    await ml.Runs.delete({ run_id: runs[0]! });
    expect((await ml.Runs.search({ experiment_ids: [experiment_id] })).runs).toHaveLength(2);
    await ml.Runs.restore({ run_id: runs[0]! });
    expect((await ml.Runs.search({ experiment_ids: [experiment_id], run_view_type: 'ALL' })).runs).toHaveLength(3);
  });

  it('authenticates with Basic (access key id and secret) and surfaces MLflow error codes to the client', async ({ task }) => {
    const name = nameForAttempt(task, 'basic-auth');
    const basic = Buffer.from(`${creds['aws_access_key_id']}:${creds['aws_secret_access_key']}`).toString('base64');
    const ml = new MLflow({ endpoint: loam.url, headers: { Authorization: `Basic ${basic}` } });
    await ml.Experiments.create({ name });
    expect(await errorOf(ml.Experiments.create({ name }))).toMatchObject({ status: 400, data: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    expect(await errorOf(ml.Experiments.get({ experiment_id: '31337' }))).toMatchObject({ status: 404, data: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await errorOf(ml.Runs.search({ experiment_ids: ['0'], filter: 'metrics.rmse <<< 1' }))).toMatchObject({ status: 400, data: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const anonymous = new MLflow({ endpoint: loam.url });
    expect(await errorOf(anonymous.Experiments.get({ experiment_id: '0' }))).toMatchObject({ status: 401, data: { error_code: 'UNAUTHENTICATED' } });
    // The client's own bug (`experimentsset-experiment-tag`, no slash) reaches no endpoint.
    expect(await errorOf(ml.Experiments.setExperimentTag({ experiment_id: '0', key: 'k', value: 'v' }))).toMatchObject({ status: 404, data: { error_code: 'ENDPOINT_NOT_FOUND' } });
  });
});
