import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, trainingRequest } from './jobs.test-support.js';

// ShuffleConfig.Seed is a Long in SageMaker's API: a 64-bit signed integer. JSON numbers outside it
// (boto3 sends Python's 2**64 as written) or not integers are refused naming the member; Long's own
// extremes are taken.
let loam: TestLoam;
beforeAll(async () => {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('data');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'train/a.csv' }, Buffer.from('1,2\n'));
});
afterAll(async () => {
  await loam?.close();
});

/** CreateTrainingJob with the channel's Seed written into the body as `seedText` (JSON number text). */
async function create(name: string, seedText: string): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(trainingRequest(name, {
    InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', ShuffleConfig: { Seed: 0 }, DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
  })).replace('"Seed":0', `"Seed":${seedText}`);
  const r = await loam.app.inject({ method: 'POST', url: '/api/v1/training-jobs', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: body });
  return { status: r.statusCode, body: JSON.parse(r.body) };
}

describe('ShuffleConfig.Seed is a Long', () => {
  it.each([
    ['2^64 (SplitMix64 would read it as seed 0)', '18446744073709551616', 'refused-a'],
    ['2^63 + 4096, past Long.MAX_VALUE', '9223372036854779904', 'refused-b'],
    ['the double below Long.MIN_VALUE', '-9223372036854777856', 'refused-c'],
    ['1e30', '1e30', 'refused-d'],
    ['a fraction', '1.5', 'refused-e'],
    ['a string', '"7"', 'refused-f'],
  ])('refuses %s with a 400 naming the member, creating nothing', async (_label, seed, name) => {
    const r = await create(name, seed);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(`${r.body.detail} ${JSON.stringify(r.body.errors ?? [])}`).toMatch(/InputDataConfig[./]0[./]ShuffleConfig[./]Seed/);
    expect((await call(loam, 'GET', `/api/v1/training-jobs/${name}`)).status).toBe(404);
  });

  it.each([
    ['Long.MAX_VALUE', '9223372036854775807', 2 ** 63],
    ['Long.MIN_VALUE', '-9223372036854775808', -(2 ** 63)],
    ['a negative seed', '-42', -42],
  ])('takes %s and Describe answers it', async (label, seed, read) => {
    const name = `seed-${label.replace(/[^a-z]/gi, '').toLowerCase()}`;
    const r = await create(name, seed);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const d = await call(loam, 'GET', `/api/v1/training-jobs/${name}`);
    expect(d.body.InputDataConfig[0].ShuffleConfig).toEqual({ Seed: read });
    await call(loam, 'POST', `/api/v1/training-jobs/${name}/stop`, {});
  });
});
