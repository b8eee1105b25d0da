import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { endpointsCollection, isLoamError, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { EndpointLogs } from './endpoint-logs.js';

// FilterLogEvents' eventId is what `aws logs tail --follow` tells events apart by (it prints an eventId once per
// timestamp, and polls again from the newest timestamp with no token). It was a hash of the stream, time and text, so
// two lines alike written in the same millisecond (a loop printing the same progress line, a repeated warning)
// shared one and `aws logs tail` printed one of them. Over real endpoint log files and the real service.

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ctx = { principal: systemPrincipal, requestId: 'test' };
const group = '/aws/sagemaker/Endpoints/My-Ep';

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-log-ids-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  // Segments of four lines, so the lines span two files (a position is the stream's, across its files; none dropped).
  const logs = new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger, segmentBytes: 400 });
  return { dir, store, logs, service: new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: logs.groups }) };
}

/** Every event of the group, page by page (`limit` per page), as [message, timestamp, eventId]. */
async function filterAll(service: LogStreamsService, limit: number | undefined, startTime?: number): Promise<[string, number, string][]> {
  const out: [string, number, string][] = [];
  let nextToken: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await service.FilterLogEvents({ logGroupName: group, ...(limit ? { limit } : {}), ...(startTime !== undefined ? { startTime } : {}), ...(nextToken ? { nextToken } : {}) }, ctx);
    out.push(...page.events.map((e): [string, number, string] => [e.message, e.timestamp, e.eventId]));
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  return out;
}

it('gives two lines alike in the same millisecond eventIds of their own, the same however they are read or paged', async () => {
  const { dir, store, logs, service } = await setup();
  // Lines stamped with a clock held still (a millisecond shared for sure); the files' times stay real, just after it.
  const t0 = Date.now();
  vi.useFakeTimers({ toFake: ['Date'] });
  const a = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  const b = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-2');
  vi.setSystemTime(t0);
  a('stdout', 'tick');
  a('stdout', 'tick');
  a('stderr', 'tick');
  b('stdout', 'tick');
  vi.setSystemTime(t0 + 1);
  a('stdout', 'tock');
  a('stdout', 'tick');
  a('stdout', 'tick');
  expect(readdirSync(join(dir, 'endpoint-logs', 'my-ep', 'AllTraffic', 'my-ep-alltraffic-1')).filter((f) => f.endsWith('.jsonl'))).toHaveLength(2);

  const whole = await filterAll(service, undefined);
  expect(whole.map(([m, t]) => [m, t - t0])).toEqual([['tick', 0], ['tick', 0], ['tick', 0], ['tick', 0], ['tock', 1], ['tick', 1], ['tick', 1]]);
  // Every event its own id: the old hash gave the first two (and the last two) one id each.
  expect(new Set(whole.map((e) => e[2])).size).toBe(7);
  // The same ids read again, page by page of any size, and from a start time as `aws logs tail --follow` polls.
  expect(await filterAll(service, undefined)).toEqual(whole);
  for (const limit of [1, 2, 3]) expect(await filterAll(service, limit), `limit ${limit}`).toEqual(whole);
  expect(await filterAll(service, 2, t0 + 1)).toEqual(whole.slice(4));
  // A restarted server (a new service over the same files) gives the same ids.
  const again = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger }).groups });
  expect(await filterAll(again, 2)).toEqual(whole);
  // In CloudWatch Logs' form: 56 decimal digits (they were 32 hex digits).
  for (const [, , id] of whole) expect(id).toMatch(/^[1-9]\d{55}$/);
  // A line written later does not change the ids of those before it.
  a('stdout', 'tick');
  const more = await filterAll(service, 2);
  expect(more.slice(0, 7)).toEqual(whole);
  expect(new Set(more.map((e) => e[2])).size).toBe(8);
});

it("refuses a forged nextToken with one message that names the parameter and quotes nothing of the token's inside", async () => {
  const { logs, service } = await setup();
  const out = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  for (let i = 0; i < 3; i++) out('stdout', `line ${i}`);
  const refusal = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (e) {
      if (isLoamError(e)) return { code: e.code, message: e.message, fields: e.fields };
      throw e;
    }
    throw new Error('the call was answered');
  };
  const expected = {
    code: 'ValidationException',
    message: 'The specified nextToken is invalid: pass back a nextToken exactly as an earlier answer gave it, or none to start from the beginning.',
    fields: [{ path: '/nextToken', message: 'invalid token' }],
  };
  // A FilterLogEvents token whose outside is sound but whose read position inside is not one the log issued: the old
  // message quoted that inner position ('f/forged-position').
  const page = await service.FilterLogEvents({ logGroupName: group, limit: 1 }, ctx);
  const inside = JSON.parse(Buffer.from(page.nextToken as string, 'base64url').toString('utf8')) as { p: Record<string, [string | null, number]> };
  const forged = Buffer.from(JSON.stringify({ ...inside, p: Object.fromEntries(Object.keys(inside.p).map((k) => [k, ['forged-position', 0]])) })).toString('base64url');
  expect(await refusal(() => service.FilterLogEvents({ logGroupName: group, nextToken: forged }, ctx))).toEqual(expected);
  expect(await refusal(() => service.FilterLogEvents({ logGroupName: group, nextToken: 'not-a-token' }, ctx))).toEqual(expected);
  const get = (nextToken: string) => refusal(() => service.GetLogEvents({ logGroupName: group, logStreamName: 'AllTraffic/my-ep-alltraffic-1', nextToken }, ctx));
  for (const token of ['f/forged-position', 'b/forged-position', 'x/other']) expect(await get(token), token).toEqual(expected);
  expect(await refusal(() => service.DescribeLogStreams({ logGroupName: group, nextToken: 'forged' }, ctx))).toEqual(expected);
  expect(await refusal(() => service.DescribeLogGroups({ nextToken: 'forged' }, ctx))).toEqual(expected);
});

it("refuses a nextToken another stream or group issued, and takes its own after a restart and an earlier Loam's untagged one", async () => {
  const { dir, logs, service } = await setup();
  const a = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  const b = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-2');
  // Lines of other lengths in each stream, so one stream's positions fall inside the other's lines.
  for (let i = 0; i < 3; i++) a('stdout', `a line ${i}`);
  for (let i = 0; i < 3; i++) b('stdout', `b${'-'.repeat(7 * i + 3)} ${i}`);
  const refused = async (call: () => Promise<unknown>) => {
    try {
      await call();
      return 'answered';
    } catch (e) {
      if (isLoamError(e)) return `${e.code}: ${e.message}`;
      throw e;
    }
  };
  const invalid = 'ValidationException: The specified nextToken is invalid: pass back a nextToken exactly as an earlier answer gave it, or none to start from the beginning.';
  const get = (stream: string, nextToken?: string, s = service) => s.GetLogEvents({ logGroupName: group, logStreamName: `AllTraffic/${stream}`, startFromHead: true, limit: 1, ...(nextToken ? { nextToken } : {}) }, ctx);
  const first = await get('my-ep-alltraffic-1');
  expect(first.events.map((e) => e.message)).toEqual(['a line 0']);
  // Its own stream reads on with it, also on another server (a restart: the token holds no secret of the process).
  const again = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: logs.groups });
  expect((await get('my-ep-alltraffic-1', first.nextForwardToken, again)).events.map((e) => e.message)).toEqual(['a line 1']);
  // Another stream's tokens, forward and backward: the old code read my-ep-alltraffic-2 from a1's byte offset, inside
  // a line of its own (which it skipped), and answered.
  const back = await get('my-ep-alltraffic-1', (await get('my-ep-alltraffic-1', first.nextForwardToken)).nextForwardToken);
  for (const token of [first.nextForwardToken, back.nextBackwardToken, first.nextBackwardToken]) {
    expect(await refused(() => get('my-ep-alltraffic-2', token)), token).toBe(invalid);
  }
  // A token an earlier Loam issued (no tag) is read as it was.
  const untagged = first.nextForwardToken.slice(0, first.nextForwardToken.lastIndexOf('.'));
  expect((await get('my-ep-alltraffic-1', untagged)).events.map((e) => e.message)).toEqual(['a line 1']);

  // FilterLogEvents: another group's token (its positions are that group's units') is refused too.
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  for (const name of ['My-Ep', 'Other-Ep']) {
    await store.collection(endpointsCollection).insert({ key: name.toLowerCase(), name, arn: `arn:loam:sagemaker:us-east-1:000000000000:endpoint/${name.toLowerCase()}`, status: 'InService', configName: name, creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  }
  const both = new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger });
  both.writer('Other-Ep', 'AllTraffic', 'other-ep-alltraffic-1')('stdout', 'other line');
  const two = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: both.groups });
  const page = await two.FilterLogEvents({ logGroupName: group, limit: 1 }, ctx);
  expect(page.events.map((e) => e.message)).toEqual(['a line 0']);
  expect((await two.FilterLogEvents({ logGroupName: group, limit: 1, nextToken: page.nextToken as string }, ctx)).events).toHaveLength(1);
  expect(await refused(() => two.FilterLogEvents({ logGroupName: '/aws/sagemaker/Endpoints/Other-Ep', nextToken: page.nextToken as string }, ctx))).toBe(invalid);
});
