import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';

// MLflow's registry descriptions are Markdown, written over several lines (the MLflow UI's editor,
// `create_registered_model(name, description="# Churn\n\n- trained on eu")`). The registry held them to
// SageMaker's description rule (letters, marks, separators, symbols, digits, punctuation), which has no
// line break or tab, so every multi-line description sent through MLflow was refused. Through MLflow they
// now keep their lines; SageMaker's own operations keep SageMaker's rule.

const MARKDOWN = '# Churn model\n\nTrained on the *eu* split.\r\n\n| metric | value |\n|---|---|\n| auc\t| 0.91 |\n';

describe("MLflow registry descriptions keep their lines (MLflow's Markdown)", () => {
  let loam: TestLoam;
  serverPerAttempt(async () => {
    loam = await openTestLoam();
  }, async () => loam?.close());

  const send = async (method: 'GET' | 'POST' | 'PATCH', path: string, body: Record<string, unknown>) => {
    const query = method === 'GET' ? `?${new URLSearchParams(body as Record<string, string>).toString()}` : '';
    const r = await loam.app.inject({
      method, url: `${path}${query}`,
      headers: { authorization: `Bearer ${loam.adminToken}`, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      ...(method === 'GET' ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: r.statusCode, json: JSON.parse(r.body || '{}') as Record<string, any> };
  };
  const ok = async (method: 'GET' | 'POST' | 'PATCH', path: string, body: Record<string, unknown>) => {
    const a = await send(method, `/api/2.0/mlflow/${path}`, body);
    expect(a.status, `${method} ${path}: ${JSON.stringify(a.json).slice(0, 400)}`).toBe(200);
    return a.json;
  };

  it('create and update of a registered model and a version take and answer multi-line descriptions', async () => {
    const name = 'markdown-model';
    expect((await ok('POST', 'registered-models/create', { name, description: MARKDOWN })).registered_model.description).toBe(MARKDOWN);
    const v = (await ok('POST', 'model-versions/create', { name, source: 's3://models/m/model.tar.gz', description: MARKDOWN })).model_version;
    expect(v.description).toBe(MARKDOWN);
    const edited = `${MARKDOWN}\n\nRetrained\tweekly.`;
    expect((await ok('PATCH', 'registered-models/update', { name, description: edited })).registered_model.description).toBe(edited);
    expect((await ok('PATCH', 'model-versions/update', { name, version: v.version, description: edited })).model_version.description).toBe(edited);
    expect((await ok('GET', 'registered-models/get', { name })).registered_model.description).toBe(edited);
    expect((await ok('GET', 'model-versions/get', { name, version: v.version })).model_version.description).toBe(edited);
  });

  it('other control characters stay refused, naming the description', async () => {
    const a = await send('POST', '/api/2.0/mlflow/registered-models/create', { name: 'bell-model', description: 'ding\u0007' });
    expect(a.status).toBe(400);
    expect(a.json['message']).toMatch(/Description/);
  });

  it("SageMaker's CreateModelPackageGroup keeps SageMaker's rule (no line breaks)", async () => {
    const a = await send('POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'sm-group', ModelPackageGroupDescription: 'two\nlines' });
    expect(a.status, JSON.stringify(a.json)).toBe(400);
    expect(JSON.stringify(a.json)).toMatch(/ModelPackageGroupDescription/);
  });
});
