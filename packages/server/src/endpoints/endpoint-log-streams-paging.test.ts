import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { endpointsCollection, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { EndpointLogs } from './endpoint-logs.js';

// DescribeLogStreams paged (limit 1, as `aws logs describe-log-streams --page-size 1` or a boto3 paginator with
// PageSize 1) while the streams change between pages. Loam's token was an offset into the order, so a stream that
// wrote (LastEventTime) or a new stream named before the page boundary (LogStreamName) shifted the others: one was
// skipped, or listed twice. Over real endpoint log files and the real service.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ctx = { principal: systemPrincipal, requestId: 'test' };
const group = '/aws/sagemaker/Endpoints/My-Ep';
const tick = () => new Promise((r) => setTimeout(r, 15));

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-stream-paging-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  const logs = new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger });
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: logs.groups });
  const write = (n: number, line: string) => logs.writer('My-Ep', 'AllTraffic', `my-ep-alltraffic-${n}`)('stdout', line);
  return { service, write };
}

it('pages by LastEventTime without skipping a stream when another writes between pages', async () => {
  const { service, write } = await setup();
  for (const n of [1, 2, 3]) {
    write(n, `instance ${n} starts`);
    await tick();
  }
  const seen: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 10; page++) {
    const out = await service.DescribeLogStreams({ logGroupName: group, orderBy: 'LastEventTime', limit: 1, ...(nextToken ? { nextToken } : {}) }, ctx);
    seen.push(...out.logStreams.map((s) => s.logStreamName.slice('AllTraffic/my-ep-alltraffic-'.length)));
    // After the first page, the stream it listed writes again: it moves to the end of the order.
    if (page === 0) {
      await tick();
      write(1, 'instance 1 again');
    }
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  // Instance 2 was skipped (the old code listed 1, 3, 1).
  expect(seen).toEqual(['1', '2', '3', '1']);
});

it('pages by name without listing a stream twice when a stream named before the page boundary appears', async () => {
  const { service, write } = await setup();
  for (const n of [2, 3, 4]) write(n, `instance ${n} starts`);
  const seen: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 10; page++) {
    const out = await service.DescribeLogStreams({ logGroupName: group, limit: 1, ...(nextToken ? { nextToken } : {}) }, ctx);
    seen.push(...out.logStreams.map((s) => s.logStreamName.slice('AllTraffic/my-ep-alltraffic-'.length)));
    // 'my-ep-alltraffic-10' sorts before 'my-ep-alltraffic-2', the stream the first page ended on.
    if (page === 0) write(10, 'instance 10 starts');
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  // The old code listed 2 twice: 2, 2, 3, 4.
  expect(seen).toEqual(['2', '3', '4']);
});

it("refuses a token of another order, and reads an earlier Loam's offset token as it was", async () => {
  const { service, write } = await setup();
  for (const n of [1, 2, 3]) write(n, `instance ${n} starts`);
  const byName = await service.DescribeLogStreams({ logGroupName: group, limit: 1 }, ctx);
  const refused = await service.DescribeLogStreams({ logGroupName: group, limit: 1, orderBy: 'LastEventTime', nextToken: byName.nextToken! }, ctx).then(() => 'resolved', (e: { code?: string }) => e.code);
  expect(refused).toBe('ValidationException');
  const descending = await service.DescribeLogStreams({ logGroupName: group, limit: 1, descending: true, nextToken: byName.nextToken! }, ctx).then(() => 'resolved', (e: { code?: string }) => e.code);
  expect(descending).toBe('ValidationException');
  const offset = Buffer.from(JSON.stringify({ o: 2 })).toString('base64url');
  expect((await service.DescribeLogStreams({ logGroupName: group, nextToken: offset }, ctx)).logStreams.map((s) => s.logStreamName)).toEqual(['AllTraffic/my-ep-alltraffic-3']);
});
