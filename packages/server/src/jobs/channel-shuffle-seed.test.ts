import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, trainingRequest } from './jobs.test-support.js';

// ShuffleConfig.Seed is a Long in SageMaker's API: a 64-bit signed integer. Loam reads it as a JSON number, a double,
// exact only up to ±(2^53 - 1): a seed past that (boto3 sends Python's 2**62 as written) was read as the nearest
// double, shuffled as that other seed and answered by Describe as a value never sent. Seeds outside ±(2^53 - 1), or
// not integers, are refused naming the member; the bounds themselves are taken and answered exactly.
let loam: TestLoam;
// A server of its own per attempt: a retried test creates its jobs' names again.
serverPerAttempt(async () => {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('data');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'train/a.csv' }, Buffer.from('1,2\n'));
}, async () => {
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
    ['2^53 + 1, which a double reads as 2^53', '9007199254740993', 'refused-g'],
    ['-(2^53), one past the lower bound', '-9007199254740992', 'refused-h'],
    ['Long.MAX_VALUE, read as 2^63', '9223372036854775807', 'refused-i'],
    ['Long.MIN_VALUE', '-9223372036854775808', 'refused-j'],
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
    ['2^53 - 1', '9007199254740991', 9007199254740991, 'seed-max'],
    ['-(2^53 - 1)', '-9007199254740991', -9007199254740991, 'seed-min'],
    ['a negative seed', '-42', -42, 'seed-anegativeseed'],
  ])('takes %s and Describe answers it exactly', async (_label, seed, read, name) => {
    const r = await create(name, seed);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const d = await call(loam, 'GET', `/api/v1/training-jobs/${name}`);
    expect(d.body.InputDataConfig[0].ShuffleConfig).toEqual({ Seed: read });
    await call(loam, 'POST', `/api/v1/training-jobs/${name}/stop`, {});
  });
});
