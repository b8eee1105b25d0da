import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

let loam: TestLoam;
async function start(): Promise<void> {
  loam = await openTestLoam();
}
async function stop(): Promise<void> {
  await loam.close();
}
serverPerAttempt(start, stop);

async function rest(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown) {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${loam.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
}

describe('native experiment operations (/api/v1/mlflow) over the data MLflow clients see', () => {
  it('round-trips experiments, runs, batches, history, search and artifacts between the two APIs', async () => {
    const c = await rest('POST', '/api/v1/mlflow/experiments', { Name: 'native', Tags: [{ Key: 'team', Value: 'ml' }] });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    const id = c.body.ExperimentId as string;
    const mlflow = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
    expect((await mlflow('GET', 'experiments/get', { experiment_id: id })).json['experiment'].tags).toEqual([{ key: 'team', value: 'ml' }]);

    const run = (await rest('POST', '/api/v1/mlflow/runs', { ExperimentId: id, RunName: 'n1', StartTime: 1000 })).body.Run;
    expect(run.Info).toMatchObject({ RunName: 'n1', ExperimentId: id, Status: 'RUNNING', StartTime: 1000, UserId: 'admin' });
    const b = await rest('POST', `/api/v1/mlflow/runs/${run.Info.RunId}/batch`, {
      Metrics: [{ Key: 'loss', Value: 0.5, Timestamp: 1, Step: 0 }, { Key: 'loss', Value: 'NaN', Timestamp: 2, Step: 1 }, { Key: 'gain', Value: 'Infinity', Timestamp: 2, Step: 1 }],
      Params: [{ Key: 'lr', Value: '0.1' }],
    });
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    const got = (await rest('GET', `/api/v1/mlflow/runs/${run.Info.RunId}`)).body.Run;
    expect(got.Metrics).toEqual([{ Key: 'gain', Value: 'Infinity', Timestamp: 2, Step: 1 }, { Key: 'loss', Value: 'NaN', Timestamp: 2, Step: 1 }]);
    expect((await mlflow('GET', 'runs/get', { run_id: run.Info.RunId })).json['run'].data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    const h = await rest('GET', `/api/v1/mlflow/runs/${run.Info.RunId}/metric-history?MetricKey=loss`);
    expect(h.body.Metrics).toEqual([{ Key: 'loss', Value: 0.5, Timestamp: 1, Step: 0 }, { Key: 'loss', Value: 'NaN', Timestamp: 2, Step: 1 }]);
    const s = await rest('POST', '/api/v1/mlflow/runs/search', { ExperimentIds: [id], Filter: "params.lr = '0.1'" });
    expect(s.body.Runs.map((r: { Info: { RunId: string } }) => r.Info.RunId)).toEqual([run.Info.RunId]);
    const l = await rest('GET', `/api/v1/mlflow/experiments?Filter=${encodeURIComponent("name = 'native'")}`);
    expect(l.body.Experiments.map((e: { Name: string }) => e.Name)).toEqual(['native']);
    expect((await rest('PATCH', `/api/v1/mlflow/runs/${run.Info.RunId}`, { Status: 'FINISHED', EndTime: 2000 })).body.RunInfo).toMatchObject({ Status: 'FINISHED', EndTime: 2000 });
    expect((await rest('GET', `/api/v1/mlflow/runs/${run.Info.RunId}/artifacts`)).body).toEqual({ RootUri: `mlflow-artifacts:/${id}/${run.Info.RunId}/artifacts`, Files: [] });
  });

  it('answers Loam problem+json codes for bad input and unknown ids', async () => {
    await rest('POST', '/api/v1/mlflow/experiments', { Name: 'twice' });
    expect((await rest('POST', '/api/v1/mlflow/experiments', { Name: 'twice' })).body).toMatchObject({ code: 'ResourceInUse', status: 409 });
    expect((await rest('GET', '/api/v1/mlflow/experiments/99999')).body).toMatchObject({ code: 'ResourceNotFound', status: 404 });
    expect((await rest('POST', '/api/v1/mlflow/runs/search', { ExperimentIds: ['0'], Filter: 'metrics.x ~ 1' })).body).toMatchObject({ code: 'ValidationException' });
    expect((await rest('GET', `/api/v1/mlflow/runs/${'a'.repeat(32)}`)).body).toMatchObject({ code: 'ResourceNotFound' });
  });

  it('refuses a NextToken it did not issue ({} included) as ValidationException naming NextToken, not page_token', async () => {
    const run = (await rest('POST', '/api/v1/mlflow/runs', { ExperimentId: '0', RunName: 'tokens' })).body.Run;
    for (const token of ['not-a-token', Buffer.from('{}').toString('base64')]) {
      const answers = [
        await rest('GET', `/api/v1/mlflow/experiments?NextToken=${encodeURIComponent(token)}`),
        await rest('POST', '/api/v1/mlflow/runs/search', { ExperimentIds: ['0'], NextToken: token }),
        await rest('GET', `/api/v1/mlflow/runs/${run.Info.RunId}/metric-history?MetricKey=loss&NextToken=${encodeURIComponent(token)}`),
      ];
      for (const [i, a] of answers.entries()) {
        expect(a.body, `${i} ${token}`).toMatchObject({ status: 400, code: 'ValidationException', detail: expect.stringMatching(/^NextToken '.*' is not a token (ListMlflowExperiments|ListMlflowRuns|GetMlflowMetricHistory) issued/) });
        expect(JSON.stringify(a.body), `${i} ${token}`).not.toContain('page_token');
      }
    }
  });

  it('pages ListMlflowRuns and ListMlflowExperiments by the NextToken it issued, whatever the length of the sort values', async () => {
    // A keyset token holds the last item's value of each order term: a param of 6000 characters, a tag of 8000 (each
    // character written \u0001 in the token's JSON), an experiment name of 500 (3 bytes each). They were refused past 1024.
    const e = (await rest('POST', '/api/v1/mlflow/experiments', { Name: 'long-values' })).body.ExperimentId as string;
    for (const n of ['a', 'b', 'c']) {
      const r = (await rest('POST', '/api/v1/mlflow/runs', { ExperimentId: e, RunName: n })).body.Run;
      expect((await rest('POST', `/api/v1/mlflow/runs/${r.Info.RunId}/batch`, { Params: [{ Key: 'config', Value: n.repeat(6000) }], Tags: [{ Key: 'note', Value: '\u0001'.repeat(7999) + n }] })).status).toBe(200);
    }
    for (const OrderBy of [['params.config ASC'], ['tags.note ASC', 'params.config DESC', 'attributes.run_name ASC']]) {
      const names: string[] = [];
      for (let NextToken: string | undefined, i = 0; i < 5; i++) {
        const page = await rest('POST', '/api/v1/mlflow/runs/search', { ExperimentIds: [e], OrderBy, MaxResults: 1, ...(NextToken ? { NextToken } : {}) });
        expect(page.status, JSON.stringify(page.body).slice(0, 400)).toBe(200);
        names.push(...page.body.Runs.map((r: { Info: { RunName: string } }) => r.Info.RunName));
        NextToken = page.body.NextToken;
        if (!NextToken) break;
      }
      expect(names).toEqual(['a', 'b', 'c']);
    }
    for (const n of ['x', 'y']) expect((await rest('POST', '/api/v1/mlflow/experiments', { Name: `长${n}`.repeat(250) })).status).toBe(200);
    const names: string[] = [];
    for (let NextToken: string | undefined, i = 0; i < 5; i++) {
      const page = await rest('GET', `/api/v1/mlflow/experiments?Filter=${encodeURIComponent("name LIKE '长%'")}&OrderBy=${encodeURIComponent('name ASC')}&MaxResults=1${NextToken ? `&NextToken=${encodeURIComponent(NextToken)}` : ''}`);
      expect(page.status, JSON.stringify(page.body).slice(0, 400)).toBe(200);
      names.push(...page.body.Experiments.map((x: { Name: string }) => x.Name.slice(0, 2)));
      NextToken = page.body.NextToken;
      if (!NextToken) break;
    }
    expect(names).toEqual(['长x', '长y']);
  });
});
