import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// AddAssociation through the API, as boto3 users call it: ends named by the ARNs Loam answered with.
let loam: TestLoam;
let base: string;

async function call(method: 'POST' | 'GET', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${loam.adminToken}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}

async function start(): Promise<void> {
  loam = await openTestLoam();
  base = `arn:loam:sagemaker:${loam.platform.partition.region}:${loam.platform.partition.accountId}:`;
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('AddAssociation', () => {
  it('links a dataset whose name has capitals (its ARN is lower-cased), and tags it', async () => {
    const created = await call('POST', '/api/v1/datasets', { DatasetName: 'MyData' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const datasetArn = created.body.DatasetArn as string;
    expect(datasetArn).toBe(`${base}dataset/mydata`);
    expect((await call('POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'g' })).status).toBe(200);
    const linked = await call('POST', '/api/v1/lineage/associations', { SourceArn: datasetArn, DestinationArn: `${base}model-package-group/g`, AssociationType: 'ContributedTo' });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    const down = await call('POST', '/api/v1/lineage/query', { StartArns: [datasetArn], Direction: 'Descendants' });
    expect(down.body.Vertices.map((v: { Arn: string }) => v.Arn)).toEqual([`${base}model-package-group/g`]);
    const tagged = await call('POST', '/api/v1/tags', { ResourceArn: datasetArn, Tags: [{ Key: 'team', Value: 'risk' }] });
    expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
  });

  it('refuses a dataset that does not exist', async () => {
    const r = await call('POST', '/api/v1/lineage/associations', { SourceArn: `${base}dataset/nothing`, DestinationArn: `${base}model-package-group/g` });
    expect(r.status, JSON.stringify(r.body)).toBe(404);
    expect(r.body.code).toBe('ResourceNotFound');
  });
});
