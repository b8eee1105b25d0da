import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// Found by the artifact proxy's fuzz (mlflow-artifact-proxy-fuzz.test.ts): a listing of a path with `..`,
// `.`, an empty segment, NUL or a backslash was refused naming the store's key prefix ('Key prefix
// 'mlflow/1/…/' is not valid'), not the artifact path the caller sent; and a path whose percent-escapes do
// not decode (%FF, an overlong or surrogate sequence) got Fastify's own {error, code: FST_ERR_BAD_URL}, not
// MLflow's {error_code, message} — on every MLflow route, and problem+json's absence on the REST API.

let loam: TestLoam;
let folder: string;
serverPerAttempt(async () => {
  loam = await openTestLoam();
  const call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
  const { experiment_id: experimentId } = (await call('POST', 'experiments/create', { name: 'proxy-paths' })).json;
  const { run } = (await call('POST', 'runs/create', { experiment_id: experimentId })).json;
  folder = `${experimentId}/${run.info.run_id}/artifacts`;
}, async () => loam?.close());

const get = async (url: string) => {
  const r = await loam.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${loam.adminToken}` } });
  return { status: r.statusCode, type: r.headers['content-type'], json: JSON.parse(r.body) as Record<string, any> };
};

describe('MLflow artifact proxy: odd paths are refused naming the artifact path', () => {
  it('a listing of a path with a dot or empty segment, NUL or a backslash names the artifact path as sent', async () => {
    for (const tail of ['..', '../..', 'a/./b', 'a//b', 'a%00b', 'a%5Cb', '%2e%2e']) {
      const a = await get(`/api/2.0/mlflow-artifacts/artifacts?path=${folder}/${tail}`);
      expect(a.status, tail).toBe(400);
      expect(a.json['error_code'], tail).toBe('INVALID_PARAMETER_VALUE');
      expect(a.json['message'], tail).toMatch(new RegExp(`^Invalid artifact path '${folder}/`));
      expect(a.json['message'], tail).not.toMatch(/mlflow\//);
    }
  });

  it('a path refused for a bidi override or zero-width character shows it escaped, so the message is not reordered by it', async () => {
    for (const [tail, escaped] of [['invoice%E2%80%AEgpj.exe', 'invoice\\u202egpj.exe'], ['a%E2%80%8Bb', 'a\\u200bb']] as const) {
      const a = await get(`/api/2.0/mlflow-artifacts/artifacts?path=${folder}/${tail}`);
      expect(a.status, tail).toBe(400);
      expect(a.json['message'], tail).toContain(`'${folder}/${escaped}'`);
      expect(a.json['message'], tail).not.toMatch(/[\u200b\u202e]/);
    }
  });

  it('a path whose percent-escapes do not decode gets MLflow\'s error shape naming the path, on the proxy and the API', async () => {
    for (const url of [`/api/2.0/mlflow-artifacts/artifacts/${folder}/%FF%FE`, `/ajax-api/2.0/mlflow-artifacts/artifacts/${folder}/%ED%A0%80`, '/api/2.0/mlflow/runs/get%C0%AE']) {
      const a = await get(url);
      expect(a.status, url).toBe(400);
      expect(a.json, url).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^The request path '.*' is not valid: its percent-escapes do not decode to UTF-8\.$/) });
    }
  });

  it('elsewhere such a path gets the REST API\'s problem+json 400', async () => {
    const a = await get('/api/v1/models/%FF');
    expect(a.status).toBe(400);
    expect(a.type).toMatch(/^application\/problem\+json/);
    expect(a.json).toMatchObject({ status: 400, code: 'ValidationException', detail: expect.stringMatching(/^The request path '\/api\/v1\/models\/%FF' is not valid/) });
  });
});
