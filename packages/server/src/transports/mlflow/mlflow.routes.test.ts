import { beforeEach, describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
// Tests create experiments and users with fixed names: a retry needs a server where they are free.
serverPerAttempt(async () => {
  loam = await openTestLoam();
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
}, async () => loam?.close());

describe('MLflow REST: experiments', () => {
  it('creates, gets (by id and name), searches, renames, tags, deletes and restores', async () => {
    const c = await call('POST', 'experiments/create', { name: 'exp-a', tags: [{ key: 'team', value: 'ml' }] });
    expect(c.status).toBe(200);
    const id = c.json['experiment_id'] as string;
    expect(id).toMatch(/^\d+$/);
    const g = await call('GET', 'experiments/get', { experiment_id: id });
    expect(g.json['experiment']).toMatchObject({ experiment_id: id, name: 'exp-a', artifact_location: `mlflow-artifacts:/${id}`, lifecycle_stage: 'active', tags: [{ key: 'team', value: 'ml' }] });
    expect((await call('GET', 'experiments/get-by-name', { experiment_name: 'exp-a' })).json['experiment'].experiment_id).toBe(id);
    expect((await call('GET', 'experiments/get', { experiment_id: '0' })).json['experiment'].name).toBe('Default');

    expect((await call('POST', 'experiments/update', { experiment_id: id, new_name: 'exp-b' })).status).toBe(200);
    expect((await call('POST', 'experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value: 'dev' })).status).toBe(200);
    const s = await call('POST', 'experiments/search', { filter: "name LIKE 'exp-%' AND tags.stage = 'dev'", max_results: 10 });
    expect(s.json['experiments'].map((e: { name: string }) => e.name)).toEqual(['exp-b']);
    const sGet = await call('GET', 'experiments/search', { filter: "name ILIKE 'EXP-%'" });
    expect(sGet.json['experiments']).toHaveLength(1);

    expect((await call('POST', 'experiments/delete', { experiment_id: id })).status).toBe(200);
    expect((await call('POST', 'experiments/search', { view_type: 'DELETED_ONLY' })).json['experiments'].map((e: { name: string }) => e.name)).toEqual(['exp-b']);
    expect((await call('POST', 'runs/create', { experiment_id: id })).json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect((await call('POST', 'experiments/restore', { experiment_id: id })).status).toBe(200);
    expect((await call('GET', 'experiments/get', { experiment_id: id })).json['experiment'].lifecycle_stage).toBe('active');
  });

  it('answers MLflow error codes and statuses and changes nothing on bad input', async () => {
    await call('POST', 'experiments/create', { name: 'dup' });
    const before = (await call('POST', 'experiments/search', { view_type: 'ALL', max_results: 1000 })).json['experiments'];
    const dup = await call('POST', 'experiments/create', { name: 'dup' });
    expect(dup).toMatchObject({ status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    expect(await call('POST', 'experiments/create', { name: '' })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call('GET', 'experiments/get', { experiment_id: '424242' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await call('GET', 'experiments/get-by-name', { experiment_name: 'nope' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await call('POST', 'experiments/update', { experiment_id: '424242', new_name: 'x' })).toMatchObject({ status: 404 });
    expect(await call('POST', 'experiments/delete', { experiment_id: '0' })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call('POST', 'experiments/search', { filter: 'name = ' })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call('POST', 'experiments/search', { order_by: ['colour'] })).toMatchObject({ status: 400 });
    expect(await call('POST', 'experiments/search', { max_results: 50001 })).toMatchObject({ status: 400 });
    expect(await call('POST', 'experiments/search', { page_token: '%%%' })).toMatchObject({ status: 400 });
    expect((await call('POST', 'experiments/search', { view_type: 'ALL', max_results: 1000 })).json['experiments']).toEqual(before);
    expect(await call('POST', 'no/such/route')).toMatchObject({ status: 404, json: { error_code: 'ENDPOINT_NOT_FOUND' } });
    const bad = await loam.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: '{"name": ' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error_code: 'MALFORMED_REQUEST' });
  });
});

describe('MLflow REST: runs', () => {
  let exp: string;
  let runId: string;
  // The run these tests share, made on each server: a retry runs on a new one.
  let madeOn: TestLoam | undefined;
  beforeEach(async () => {
    if (madeOn === loam) return;
    madeOn = loam;
    exp = (await call('POST', 'experiments/create', { name: 'runs-exp' })).json['experiment_id'];
    const r = await call('POST', 'runs/create', { experiment_id: exp, run_name: 'first', start_time: 1000, tags: [{ key: 'team', value: 'a' }] });
    expect(r.status).toBe(200);
    runId = r.json['run'].info.run_id;
  });

  it('creates a run with its info and tags, under the caller', async () => {
    const r = (await call('GET', 'runs/get', { run_id: runId })).json['run'];
    expect(r.info).toMatchObject({ run_id: runId, run_uuid: runId, run_name: 'first', experiment_id: exp, user_id: 'admin', status: 'RUNNING', start_time: 1000, lifecycle_stage: 'active', artifact_uri: `mlflow-artifacts:/${exp}/${runId}/artifacts` });
    expect(r.data.tags).toEqual([{ key: 'mlflow.runName', value: 'first' }, { key: 'team', value: 'a' }]);
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('logs metrics (NaN and ±Infinity round-trip as protobuf strings), params, batches, tags and inputs', async () => {
    for (const [key, value] of [['acc', 0.5], ['nan', 'NaN'], ['inf', 'Infinity'], ['ninf', '-Infinity']] as const) {
      expect((await call('POST', 'runs/log-metric', { run_id: runId, key, value, timestamp: 5, step: 1 })).status).toBe(200);
    }
    const bare = await loam.app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/log-metric', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: `{"run_id":"${runId}","key":"bare","value":NaN,"timestamp":1,"step":0}` });
    expect(bare.statusCode).toBe(200);
    expect((await call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).status).toBe(200);
    const batch = await call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'acc', value: 0.7, timestamp: 6, step: 2 }, { key: 'acc', value: 0.6, timestamp: 7, step: '3' }],
      params: [{ key: 'depth', value: '4' }],
      tags: [{ key: 'note', value: 'x' }],
    });
    expect(batch.status).toBe(200);
    expect((await call('POST', 'runs/set-tag', { run_id: runId, key: 'note', value: 'y' })).status).toBe(200);
    expect((await call('POST', 'runs/set-tag', { run_id: runId, key: 'gone', value: '1' })).status).toBe(200);
    expect((await call('POST', 'runs/delete-tag', { run_id: runId, key: 'gone' })).status).toBe(200);
    expect(await call('POST', 'runs/delete-tag', { run_id: runId, key: 'gone' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    const inputs = await call('POST', 'runs/log-inputs', { run_id: runId, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'iris', digest: 'abc', source_type: 'local', source: '{"uri":"/d"}' } }] });
    expect(inputs.status).toBe(200);

    const r = (await call('GET', 'runs/get', { run_id: runId })).json['run'];
    const m = Object.fromEntries(r.data.metrics.map((x: { key: string; value: unknown }) => [x.key, x.value]));
    expect(m).toEqual({ acc: 0.6, bare: 'NaN', inf: 'Infinity', nan: 'NaN', ninf: '-Infinity' });
    expect(r.data.params).toEqual([{ key: 'depth', value: '4' }, { key: 'lr', value: '0.01' }]);
    expect(r.data.tags).toContainEqual({ key: 'note', value: 'y' });
    expect(r.inputs.dataset_inputs).toEqual([{ tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'iris', digest: 'abc', source_type: 'local', source: '{"uri":"/d"}' } }]);

    const h = await call('GET', 'metrics/get-history', { run_id: runId, metric_key: 'acc' });
    expect(h.json['metrics']).toEqual([{ key: 'acc', value: 0.5, timestamp: 5, step: 1 }, { key: 'acc', value: 0.7, timestamp: 6, step: 2 }, { key: 'acc', value: 0.6, timestamp: 7, step: 3 }]);
    const p1 = await call('GET', 'metrics/get-history', { run_id: runId, metric_key: 'acc', max_results: 2 });
    expect(p1.json['metrics']).toHaveLength(2);
    const p2 = await call('GET', 'metrics/get-history', { run_id: runId, metric_key: 'acc', max_results: 2, page_token: p1.json['next_page_token'] });
    expect(p2.json['metrics'].map((x: { value: number }) => x.value)).toEqual([0.6]);
  });

  it('get-history without max_results or page_token answers every point, as MLflow does; with max_results, pages of up to 25,000', async () => {
    const run = (await call('POST', 'runs/create', { experiment_id: '0' })).json['run'].info.run_id as string;
    const n = 25_010;
    for (let from = 0; from < n; from += 1000) {
      const metrics = Array.from({ length: Math.min(1000, n - from) }, (_, i) => ({ key: 'loss', value: from + i, timestamp: 1, step: from + i }));
      expect((await call('POST', 'runs/log-batch', { run_id: run, metrics })).status).toBe(200);
    }
    const all = await call('GET', 'metrics/get-history', { run_id: run, metric_key: 'loss' });
    expect(all.json['metrics']).toHaveLength(n);
    expect(all.json['next_page_token']).toBeUndefined();
    expect(all.json['metrics'][n - 1]).toMatchObject({ step: n - 1, value: n - 1 });
    const first = await call('GET', 'metrics/get-history', { run_id: run, metric_key: 'loss', max_results: 25_000 });
    expect(first.json['metrics']).toHaveLength(25_000);
    const rest = await call('GET', 'metrics/get-history', { run_id: run, metric_key: 'loss', max_results: 25_000, page_token: first.json['next_page_token'] });
    expect(rest.json['metrics']).toHaveLength(10);
  }, 60_000);

  it('refuses bad batches whole: limits, names, changed params, unknown runs', async () => {
    // lr=0.01, which the batch changing it meets: logged by the test before, and again for a retry's new run.
    expect((await call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).status).toBe(200);
    const before = (await call('GET', 'runs/get', { run_id: runId })).json['run'];
    const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i }));
    const cases: Record<string, unknown>[] = [
      { run_id: runId, metrics: metrics(1001) },
      { run_id: runId, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })) },
      { run_id: runId, metrics: metrics(950), tags: Array.from({ length: 51 }, (_, i) => ({ key: `t${i}`, value: '1' })) },
      { run_id: runId, metrics: [{ key: '../escape', value: 1, timestamp: 1, step: 0 }] },
      { run_id: runId, metrics: [{ key: 'ok', value: 'high', timestamp: 1, step: 0 }] },
      { run_id: runId, metrics: [{ key: 'ok', value: 1, timestamp: -1, step: 0 }] },
      { run_id: runId, metrics: [{ key: 'ok', value: 1, timestamp: 1, step: 0 }], params: [{ key: 'lr', value: '0.5' }] },
      { run_id: runId, params: [{ key: 'a', value: '1' }, { key: 'a', value: '1' }] },
      { run_id: runId, tags: [{ key: 'big', value: 'x'.repeat(8001) }] },
      // A key over 250 characters, beside valid items that must not be written either.
      { run_id: runId, metrics: [{ key: 'ok', value: 1, timestamp: 1, step: 0 }, { key: 'k'.repeat(251), value: 1, timestamp: 1, step: 0 }] },
      { run_id: runId, params: [{ key: 'fresh', value: '1' }, { key: 'p'.repeat(251), value: '1' }], tags: [{ key: 'new', value: '1' }] },
      { run_id: runId, tags: [{ key: 't'.repeat(251), value: '1' }] },
    ];
    for (const body of cases) {
      const r = await call('POST', 'runs/log-batch', body);
      expect(r, JSON.stringify(body).slice(0, 120)).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    }
    const huge = await call('POST', 'runs/log-batch', { run_id: runId, tags: [{ key: 'x', value: 'y'.repeat(1_000_001) }] });
    expect(huge).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call('POST', 'runs/log-batch', { run_id: 'f'.repeat(32), metrics: metrics(1) })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await call('POST', 'runs/log-metric', { run_id: runId, key: 'x' })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call('POST', 'runs/log-batch', { metrics: metrics(1) })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call('POST', 'runs/create', { experiment_id: '987654' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await call('GET', 'runs/get', { run_id: 'nope' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect((await call('GET', 'runs/get', { run_id: runId })).json['run']).toEqual(before);
  });

  it('searches with the filter grammar, orders and pages', async () => {
    const e = (await call('POST', 'experiments/create', { name: 'search-exp' })).json['experiment_id'];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = (await call('POST', 'runs/create', { experiment_id: e, run_name: `r${i}`, start_time: 100 + i })).json['run'].info.run_id as string;
      ids.push(r);
      await call('POST', 'runs/log-batch', { run_id: r, metrics: [{ key: 'rmse', value: i / 10, timestamp: 1, step: 0 }], params: [{ key: 'opt', value: i % 2 ? 'Adam' : 'sgd' }], tags: [{ key: 'color', value: i < 2 ? 'red' : 'blue' }] });
    }
    const names = async (body: Record<string, unknown>) => {
      const r = await call('POST', 'runs/search', { experiment_ids: [e], ...body });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      return (r.json['runs'] ?? []).map((x: { info: { run_name: string } }) => x.info.run_name);
    };
    expect(await names({})).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    expect(await names({ filter: 'metrics.rmse < 0.25' })).toEqual(['r2', 'r1', 'r0']);
    expect(await names({ filter: "metrics.rmse >= 0.1 AND params.opt = 'Adam'" })).toEqual(['r3', 'r1']);
    expect(await names({ filter: "params.opt LIKE 'a%'" })).toEqual([]);
    expect(await names({ filter: "params.opt ILIKE 'a%'" })).toEqual(['r3', 'r1']);
    expect(await names({ filter: "tags.color != 'red' AND attributes.run_name LIKE 'r%'" })).toEqual(['r4', 'r3', 'r2']);
    expect(await names({ filter: `attributes.run_id IN ('${ids[0]}', '${ids[4]}')` })).toEqual(['r4', 'r0']);
    expect(await names({ filter: 'attributes.start_time > 102' })).toEqual(['r4', 'r3']);
    expect(await names({ filter: "attributes.status = 'RUNNING' AND `Run name` = 'r2'" })).toEqual(['r2']);
    expect(await names({ order_by: ['metrics.rmse ASC'] })).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(await names({ order_by: ['params.opt DESC', 'attributes.start_time ASC'] })).toEqual(['r0', 'r2', 'r4', 'r1', 'r3']);
    const p1 = await call('POST', 'runs/search', { experiment_ids: [e], max_results: 2 });
    const p2 = await call('POST', 'runs/search', { experiment_ids: [e], max_results: 2, page_token: p1.json['next_page_token'] });
    expect(p2.json['runs'].map((x: { info: { run_name: string } }) => x.info.run_name)).toEqual(['r2', 'r1']);
    for (const filter of ["metrics.rmse = 'x'", 'params.opt = 3', "tags.color > 'a'", 'metrics.rmse < 1 OR metrics.rmse > 2', "colour = 'x'", "bogus.x = 'y'", 'metrics.rmse <', "params.opt IN ('a')"]) {
      expect(await call('POST', 'runs/search', { experiment_ids: [e], filter }), filter).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    }
    expect(await call('POST', 'runs/search', { experiment_ids: [e], order_by: ['metrics.rmse SIDEWAYS'] })).toMatchObject({ status: 400 });
  });

  it('updates, deletes and restores a run; a deleted run takes no writes', async () => {
    const u = await call('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: 5000 });
    expect(u.json['run_info']).toMatchObject({ status: 'FINISHED', end_time: 5000 });
    expect(await call('POST', 'runs/update', { run_id: runId, status: 'DONE' })).toMatchObject({ status: 400 });
    expect((await call('POST', 'runs/delete', { run_id: runId })).status).toBe(200);
    expect((await call('GET', 'runs/get', { run_id: runId })).json['run'].info.lifecycle_stage).toBe('deleted');
    expect(await call('POST', 'runs/log-metric', { run_id: runId, key: 'x', value: 1, timestamp: 1 })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await call('POST', 'runs/restore', { run_id: runId })).status).toBe(200);
    expect((await call('GET', 'runs/get', { run_id: runId })).json['run'].info.lifecycle_stage).toBe('active');
  });

  it('serves the same API under /ajax-api', async () => {
    const ajax = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`, '/ajax-api/2.0/mlflow');
    expect((await ajax('GET', 'runs/get', { run_id: runId })).json['run'].info.run_id).toBe(runId);
  });
});

describe('MLflow REST: artifacts', () => {
  it('uploads, lists, downloads and deletes through mlflow-artifacts, and lists a run folder', async () => {
    const exp = (await call('POST', 'experiments/create', { name: 'art-exp' })).json['experiment_id'];
    const run = (await call('POST', 'runs/create', { experiment_id: exp })).json['run'].info;
    const base = `/api/2.0/mlflow-artifacts/artifacts/${exp}/${run.run_id}/artifacts`;
    const auth = { authorization: `Bearer ${loam.adminToken}` };
    const put = await loam.app.inject({ method: 'PUT', url: `${base}/model/weights.json`, headers: { ...auth, 'content-type': 'application/json' }, payload: '{"w":[1,2]}' });
    expect(put.statusCode, put.body).toBe(200);
    await loam.app.inject({ method: 'PUT', url: `${base}/readme.txt`, headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
    const got = await loam.app.inject({ method: 'GET', url: `${base}/model/weights.json`, headers: auth });
    expect(got.statusCode).toBe(200);
    expect(got.body).toBe('{"w":[1,2]}');
    const stored = await loam.platform.artifacts.head({ bucket: 'loam-mlflow', key: `mlflow/${exp}/${run.run_id}/artifacts/model/weights.json` });
    expect(stored?.size).toBe(11);
    const proxyList = await loam.app.inject({ method: 'GET', url: `/api/2.0/mlflow-artifacts/artifacts?path=${exp}/${run.run_id}/artifacts`, headers: auth });
    expect(JSON.parse(proxyList.body)).toEqual({ files: [{ path: 'model', is_dir: true }, { path: 'readme.txt', is_dir: false, file_size: 5 }] });
    const list = await call('GET', 'artifacts/list', { run_id: run.run_id });
    expect(list.json).toEqual({ root_uri: run.artifact_uri, files: [{ path: 'model', is_dir: true }, { path: 'readme.txt', is_dir: false, file_size: 5 }] });
    expect((await call('GET', 'artifacts/list', { run_id: run.run_id, path: 'model' })).json['files']).toEqual([{ path: 'model/weights.json', is_dir: false, file_size: 11 }]);
    const del = await loam.app.inject({ method: 'DELETE', url: `${base}/readme.txt`, headers: auth });
    expect(del.statusCode).toBe(200);
    expect((await call('GET', 'artifacts/list', { run_id: run.run_id })).json['files']).toEqual([{ path: 'model', is_dir: true }]);
    const missing = await loam.app.inject({ method: 'GET', url: `${base}/nothing.bin`, headers: auth });
    expect(JSON.parse(missing.body)).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    const trav = await loam.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${exp}/..%2f..%2fescape`, headers: auth, payload: 'x' });
    expect(trav.statusCode).toBe(400);
  });
});

describe('MLflow REST: authentication and authorization', () => {
  it('accepts Basic (access key id / secret) and Bearer; refuses others with UNAUTHENTICATED', async () => {
    const basic = `Basic ${Buffer.from(`${loam.adminAccessKeyId}:${loam.adminSecretAccessKey}`).toString('base64')}`;
    expect((await mlflowCaller(loam.app, basic)('GET', 'experiments/get', { experiment_id: '0' })).status).toBe(200);
    const wrong = `Basic ${Buffer.from(`${loam.adminAccessKeyId}:nope`).toString('base64')}`;
    const w = await mlflowCaller(loam.app, wrong)('GET', 'experiments/get', { experiment_id: '0' });
    expect(w).toMatchObject({ status: 401, json: { error_code: 'UNAUTHENTICATED' } });
    expect(w.headers['www-authenticate']).toBe('Basic realm="mlflow"');
    expect((await mlflowCaller(loam.app, 'Bearer not-a-token')('GET', 'experiments/get', { experiment_id: '0' })).status).toBe(401);
    const none = await loam.app.inject({ method: 'GET', url: '/api/2.0/mlflow/experiments/get?experiment_id=0' });
    expect(JSON.parse(none.body)).toMatchObject({ error_code: 'UNAUTHENTICATED' });
  });

  // Authentication was decided after the body was parsed: without credentials, a body that is not JSON
  // (or not application/json) was answered 400 INVALID_PARAMETER_VALUE instead of 401.
  it('answers a request without credentials 401 before looking at its body', async () => {
    const bodies: [string, string][] = [['text/plain', 'name=x'], ['application/x-www-form-urlencoded', 'name=x'], ['application/json', '{not json'], ['application/json', '{"name":"x"}']];
    for (const [type, payload] of bodies) {
      for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
        const r = await loam.app.inject({ method: 'POST', url: `${prefix}/experiments/create`, headers: { 'content-type': type }, payload });
        expect([r.statusCode, JSON.parse(r.body).error_code], `${prefix} ${type} ${payload}`).toEqual([401, 'UNAUTHENTICATED']);
        expect(r.headers['www-authenticate']).toBe('Basic realm="mlflow"');
      }
    }
    // With credentials, the body is still checked.
    const bad = await loam.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: '{not json' });
    expect([bad.statusCode, JSON.parse(bad.body).error_code]).toEqual([400, 'MALFORMED_REQUEST']);
  });

  it('authorizes sagemaker:<Action> on the experiment or run: read-only users read but cannot write', async () => {
    const id = loam.platform.identity;
    const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
    await id.CreateUser({ UserName: 'reader' }, ctx);
    await id.AttachUserPolicy({ UserName: 'reader', PolicyName: 'ReadOnlyAccess' }, ctx);
    const tok = await id.CreateApiToken({ UserName: 'reader', TokenName: 'mlflow' }, ctx);
    const reader = mlflowCaller(loam.app, `Bearer ${tok.ApiToken.Token}`);
    expect((await reader('GET', 'experiments/get', { experiment_id: '0' })).status).toBe(200);
    expect((await reader('POST', 'runs/search', { experiment_ids: ['0'] })).status).toBe(200);
    expect(await reader('POST', 'experiments/create', { name: 'forbidden' })).toMatchObject({ status: 403, json: { error_code: 'PERMISSION_DENIED' } });
    expect((await call('GET', 'experiments/get-by-name', { experiment_name: 'forbidden' })).status).toBe(404);
  });
});
