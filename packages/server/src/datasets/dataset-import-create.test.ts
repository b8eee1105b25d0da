import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// ImportDatasetVersion (an s3:// import) with CreateDataset over REST: the dataset is created in the
// transaction of its first version, so Studio no longer creates it first and leaves it empty when the
// import fails.

let loam: TestLoam;
async function call(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, token = loam.adminToken) {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
}
const importInto = (name: string, body: Record<string, unknown>, token?: string) => call('POST', `/api/v1/datasets/${name}/versions`, body, token);

async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('import-src');
  await loam.platform.artifacts.put({ bucket: 'import-src', key: 'good.csv' }, Buffer.from('a,b\n1,2\n3,4\n'));
  await loam.platform.artifacts.put({ bucket: 'import-src', key: 'bad.csv' }, Buffer.from('a,b\n1,2\n"unterminated\n'));
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('ImportDatasetVersion with CreateDataset over REST', () => {
  it('creates a missing dataset with its first version; a failed import leaves no dataset', async () => {
    expect((await importInto('fresh', { SourceUri: 's3://import-src/good.csv' })).status).toBe(404);
    const bad = await importInto('fresh', { SourceUri: 's3://import-src/bad.csv', Format: 'csv', CreateDataset: true });
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    expect(bad.body['detail']).toMatch(/Dataset 'fresh': cannot import 's3:\/\/import-src\/bad.csv': .*never closed/);
    expect((await call('GET', '/api/v1/datasets/fresh')).status).toBe(404);
    const made = await importInto('fresh', { SourceUri: 's3://import-src/good.csv', CreateDataset: true, Description: 'two rows' });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(made.body).toMatchObject({ DatasetName: 'fresh', Version: 1, RowCount: 2 });
    expect((await call('GET', '/api/v1/datasets/fresh')).body).toMatchObject({ LatestVersion: 1, Description: 'two rows' });
    // Bad and good racing into one new name: the good one is version 1 whatever the order.
    const [b, g] = await Promise.all([
      importInto('pair', { SourceUri: 's3://import-src/bad.csv', Format: 'csv', CreateDataset: true }),
      importInto('pair', { SourceUri: 's3://import-src/good.csv', CreateDataset: true }),
    ]);
    expect([b.status, g.status, g.body['Version']]).toEqual([400, 200, 1]);
    expect((await call('GET', '/api/v1/datasets/pair')).body).toMatchObject({ LatestVersion: 1 });
  });

  it('checks its options before anything is stored', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ CreateDataset: 'yes' }, '/CreateDataset', /boolean/i],
      [{ Description: 'x' }, '/Description', /needs CreateDataset/],
      [{ CreateDataset: true, Description: 'd'.repeat(1025) }, '/Description', /1024/],
    ];
    for (const [extra, path, message] of cases) {
      const r = await importInto('opts', { SourceUri: 's3://import-src/good.csv', ...extra });
      expect(r.status, JSON.stringify(extra)).toBe(400);
      expect(JSON.stringify(r.body), JSON.stringify(extra)).toMatch(message);
      expect(r.body['errors']?.[0]?.path, JSON.stringify(r.body)).toBe(path);
    }
    expect((await call('GET', '/api/v1/datasets/opts')).status).toBe(404);
  });

  it('creating is authorized as CreateDataset as well as ImportDatasetVersion', async () => {
    const id = loam.platform.identity;
    const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
    await id.CreateUser({ UserName: 's3-importer' }, ctx);
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sagemaker:ImportDatasetVersion', 'sagemaker:DescribeDataset', 's3:GetObject', 's3:ListBucket'], Resource: '*' }] };
    await id.CreatePolicy({ PolicyName: 'S3ImportOnly', PolicyDocument: JSON.stringify(policy) }, ctx);
    await id.AttachUserPolicy({ UserName: 's3-importer', PolicyName: 'S3ImportOnly' }, ctx);
    const token = (await id.CreateApiToken({ UserName: 's3-importer', TokenName: 't' }, ctx)).ApiToken.Token;
    const denied = await importInto('not-mine', { SourceUri: 's3://import-src/good.csv', CreateDataset: true }, token);
    expect(denied.status, JSON.stringify(denied.body)).toBe(403);
    expect(denied.body['detail']).toMatch(/sagemaker:CreateDataset/);
    expect((await call('GET', '/api/v1/datasets/not-mine')).status).toBe(404);
    // An existing dataset only needs ImportDatasetVersion, CreateDataset or not.
    expect((await call('POST', '/api/v1/datasets', { DatasetName: 'theirs' })).status).toBe(200);
    const r = await importInto('theirs', { SourceUri: 's3://import-src/good.csv', CreateDataset: true }, token);
    expect([r.status, r.body['Version']]).toEqual([200, 1]);
  });
});
