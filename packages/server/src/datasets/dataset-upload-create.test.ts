import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

let loam: TestLoam;
const auth = () => ({ authorization: `Bearer ${loam.adminToken}` });
async function upload(name: string, body: string | PassThrough, query = '') {
  const r = await loam.app.inject({ method: 'POST', url: `/api/v1/datasets/${name}/upload?FileName=f.csv${query}`, headers: { ...auth(), 'content-type': 'application/octet-stream' }, payload: body });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
}
const describeDataset = async (name: string) => {
  const r = await loam.app.inject({ method: 'GET', url: `/api/v1/datasets/${name}`, headers: auth() });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
};

async function start(): Promise<void> {
  loam = await openTestLoam();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('upload with CreateDataset=true', () => {
  it('creates the dataset in the transaction of its first version: a failed import leaves no dataset, and never removes a version another import added', async () => {
    // A: a new name, a file that cannot be imported, its body held open until B is acknowledged.
    const held = new PassThrough();
    held.write('a,b\n1,2\n');
    const a = upload('race', held, '&CreateDataset=true&Format=csv');
    const b = await upload('race', 'a,b\n1,2\n3,4\n', '&CreateDataset=true');
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect(b.body['Version']).toBe(1);
    held.end('"unterminated\n');
    const ra = await a;
    expect(ra.status, JSON.stringify(ra.body)).toBe(400);
    expect(ra.body['detail']).toMatch(/never closed/);
    expect((await describeDataset('race')).body).toMatchObject({ LatestVersion: 1, Latest: { RowCount: 2 } });

    // The other order: the good upload is under way when the bad one fails; it still gets its version 1.
    const held2 = new PassThrough();
    held2.write('a,b\n1,2\n');
    const good = upload('race2', held2, '&CreateDataset=true');
    const bad = await upload('race2', 'a,b\n"unterminated\n', '&CreateDataset=true&Format=csv');
    expect(bad.status).toBe(400);
    expect((await describeDataset('race2')).status).toBe(404);
    held2.end('3,4\n5,6\n');
    const rg = await good;
    expect(rg.status, JSON.stringify(rg.body)).toBe(200);
    expect((await describeDataset('race2')).body).toMatchObject({ LatestVersion: 1, Latest: { RowCount: 3 } });

    // Two good first uploads: the one that created the dataset is version 1, the other version 2.
    const held3 = new PassThrough();
    held3.write('a\n1\n');
    const first = upload('race3', held3, '&CreateDataset=true');
    expect((await upload('race3', 'a\n2\n', '&CreateDataset=true')).body['Version']).toBe(1);
    held3.end();
    const rf = await first;
    expect([rf.status, rf.body['Version']]).toEqual([200, 2]);
    expect((await describeDataset('race3')).body).toMatchObject({ LatestVersion: 2 });

    const failed = await upload('gone', 'a,b\n"unterminated\n', '&CreateDataset=true&Format=csv');
    expect(failed.status).toBe(400);
    expect((await describeDataset('gone')).status).toBe(404);
    expect((await loam.platform.artifacts.list({ bucket: 'loam-datasets', prefix: 'uploads/gone/' })).objects).toEqual([]);
  }, 60_000);

  it('creating is authorized as CreateDataset as well as ImportDatasetVersion', async () => {
    const id = loam.platform.identity;
    const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
    await id.CreateUser({ UserName: 'importer' }, ctx);
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sagemaker:ImportDatasetVersion', 'sagemaker:DescribeDataset'], Resource: '*' }] };
    await id.CreatePolicy({ PolicyName: 'ImportOnly', PolicyDocument: JSON.stringify(policy) }, ctx);
    await id.AttachUserPolicy({ UserName: 'importer', PolicyName: 'ImportOnly' }, ctx);
    const token = (await id.CreateApiToken({ UserName: 'importer', TokenName: 't' }, ctx)).ApiToken.Token;
    const as = (name: string) => loam.app.inject({ method: 'POST', url: `/api/v1/datasets/${name}/upload?FileName=f.csv&CreateDataset=true`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, payload: 'a\n1\n' });
    expect((await as('not-mine')).statusCode).toBe(403);
    expect((await describeDataset('not-mine')).status).toBe(404);
    // An existing dataset only needs ImportDatasetVersion, CreateDataset=true or not.
    expect((await upload('existing', 'a\n1\n', '&CreateDataset=true')).status).toBe(200);
    const r = await as('existing');
    expect([r.statusCode, r.json().Version]).toEqual([200, 2]);
  }, 60_000);

  it('without it, a missing dataset is still 404; its options are checked before anything is stored', async () => {
    expect((await upload('nosuch', 'a\n1\n')).status).toBe(404);
    const cases: [string, string, RegExp][] = [
      ['&CreateDataset=yes', '/CreateDataset', /CreateDataset 'yes' is not true or false/],
      ['&Description=x', '/Description', /needs CreateDataset=true/],
      [`&CreateDataset=true&Description=${'d'.repeat(1025)}`, '/Description', /at most 1024/],
    ];
    for (const [query, path, message] of cases) {
      const r = await upload('opts', 'a\n1\n', query);
      expect(r.status, query).toBe(400);
      expect(r.body['detail']).toMatch(message);
      expect(r.body['errors']?.[0]?.path).toBe(path);
    }
    expect((await upload('Bad_Name', 'a\n1\n', '&CreateDataset=true')).status).toBe(400);
    expect((await describeDataset('opts')).status).toBe(404);
    const made = await upload('opts', 'a\n1\n', '&CreateDataset=true&Description=one%20row');
    expect(made.status).toBe(200);
    expect((await describeDataset('opts')).body).toMatchObject({ LatestVersion: 1, Description: 'one row' });
    // An ARN is lower-cased: 'Opts' is taken by 'opts', as CreateDataset answers.
    const clash = await upload('Opts', 'a\n1\n', '&CreateDataset=true');
    expect(clash.status).toBe(409);
    expect(clash.body['detail']).toMatch(/Dataset 'Opts' already exists \(as 'opts'\)/);
  }, 60_000);
});
