import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { endpointsCollection, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord, type LogGroupSource } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { EndpointLogs } from './endpoint-logs.js';

// On a file system that keeps no birth times (statx without STATX_BTIME: birthtimeMs is 0), an endpoint instance's
// start time was its first segment's mtime, which every write moves; the LastEventTime cache knew a unit by its start
// time, so a running instance that had written since the last call was taken for a new log and read back from its end
// again on every call. This machine's file systems (ext4, tmpfs) keep birth times, so their absence is simulated.
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const stat = (async (...args: Parameters<typeof fs.stat>) => {
    const s = await fs.stat(...args);
    return Object.assign(s, { birthtimeMs: 0, birthtime: new Date(0) });
  }) as typeof fs.stat;
  return { ...fs, stat, default: { ...fs, stat } };
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const group = '/aws/sagemaker/Endpoints/My-Ep';
const ctx = { principal: systemPrincipal, requestId: 'test' };

it('reads only what a running instance wrote since the last call, where the file system keeps no birth times', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-no-btime-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  const logs = new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger });
  const write = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  for (let i = 0; i < 50; i++) write('stdout', `line ${i}`);

  const real = (await logs.groups.get(group))!;
  const reads = { backward: 0, forward: 0 };
  const source: LogGroupSource = {
    ...real,
    read: (u, o) => (reads.forward++, real.read(u, o)),
    readBackward: (u, o) => (reads.backward++, real.readBackward(u, o)),
  };
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: { list: logs.groups.list, get: async (g) => (g === group ? source : undefined) } });
  const lastEvents = async () => (await service.DescribeLogStreams({ logGroupName: group, orderBy: 'LastEventTime' }, ctx)).logStreams[0]!;
  await lastEvents();
  expect(reads.backward).toBe(1);
  // The instance writes on; its segment's mtime moves.
  for (let round = 0; round < 3; round++) {
    await new Promise((r) => setTimeout(r, 20));
    write('stdout', `later ${round}`);
    const newest = (await real.readBackward((await real.units(''))[0]!, { limit: 1 })).lines[0]!;
    expect([newest.line, (await lastEvents()).lastEventTimestamp]).toEqual([`later ${round}`, Math.round(newest.time)]);
  }
  // Caught up forward each time (the new line, then an empty read), never read back from the end again.
  expect(reads.backward).toBe(1);
  expect(reads.forward).toBe(6);
});

it("keeps a stream's creationTime where the file system keeps no birth times, across writes, rotations and restarts", async () => {
  // It was the first segment's mtime there: every write moved it, and a rotation (the first segment dropped) too.
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-no-btime-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  const open = () => new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger, segmentBytes: 400 });
  const logs = open();
  const service = (l: EndpointLogs) => new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: l.groups });
  const describe = async (l: EndpointLogs) => (await service(l).DescribeLogStreams({ logGroupName: group }, ctx)).logStreams[0]!;
  const before = Date.now();
  const write = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  write('stdout', 'first');
  const created = (await describe(logs)).creationTime;
  const firstEvent = (await service(logs).GetLogEvents({ logGroupName: group, logStreamName: 'AllTraffic/my-ep-alltraffic-1', startFromHead: true }, ctx)).events[0]!.timestamp;
  expect(created).toBeGreaterThanOrEqual(before);
  expect(created).toBeLessThanOrEqual(firstEvent);
  for (let round = 0; round < 3; round++) {
    await new Promise((r) => setTimeout(r, 20));
    // Enough to rotate: the first segment is dropped.
    for (let i = 0; i < 10; i++) write('stdout', `round ${round} line ${i} ${'x'.repeat(40)}`);
    expect([round, (await describe(logs)).creationTime]).toEqual([round, created]);
  }
  // Another server over the same directory: the same.
  expect((await describe(open())).creationTime).toBe(created);
});
