import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// reliability.md S2 (CVE-2023-1177, CVE-2024-1483): an experiment's artifact_location is where its
// runs' artifacts are read and written, so a location Loam does not serve is refused when the
// experiment is created; before, it was stored and each run carried it as its artifact_uri.
let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
beforeAll(async () => {
  loam = await openTestLoam();
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
});
afterAll(() => loam.close());

let n = 0;
describe('MLflow experiments/create: artifact_location', () => {
  it.each([
    'file:///etc/', 'file:/etc', '/etc', '..', 'local://x', 'http:///#/../../../etc/', 'https://example.com/a',
    's3://data/../../etc', 's3://data/x?x=../../', 's3://data/..%2f..%2f', 's3://Not_A_Bucket/x', 'mlflow-artifacts:/../../etc',
  ])('refuses %j with 400 INVALID_PARAMETER_VALUE, creating nothing', async (location) => {
    const name = `loc-bad-${n++}`;
    const c = await call('POST', 'experiments/create', { name, artifact_location: location });
    expect(c.status).toBe(400);
    expect(c.json['error_code']).toBe('INVALID_PARAMETER_VALUE');
    expect((await call('GET', 'experiments/get-by-name', { experiment_name: name })).status).toBe(404);
  });

  it.each(['s3://data/mlruns', 's3://data/', 'mlflow-artifacts:/shared/team-a'])('accepts %j and gives runs an artifact_uri under it', async (location) => {
    const c = await call('POST', 'experiments/create', { name: `loc-ok-${n++}`, artifact_location: location });
    expect(c.status).toBe(200);
    const r = await call('POST', 'runs/create', { experiment_id: c.json['experiment_id'] });
    expect(r.json['run'].info.artifact_uri).toBe(`${location.replace(/\/+$/, '')}/${r.json['run'].info.run_id}/artifacts`);
  });
});
