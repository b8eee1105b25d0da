import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { endpointsCollection, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { EndpointLogs } from './endpoint-logs.js';

// DescribeLogStreams answers each stream's firstEventTimestamp, lastEventTimestamp and lastIngestionTime, as
// CloudWatch Logs does: clients keep a stream for a time window by them (awslogs skips a stream without
// firstEventTimestamp, and keeps one when max(firstEventTimestamp, start) <= min(lastIngestionTime, end)). Loam
// answered none of them. Over real endpoint log files and the real service.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ctx = { principal: systemPrincipal, requestId: 'test' };
const group = '/aws/sagemaker/Endpoints/My-Ep';

it("answers each stream's first and last event times, around its events and in LastEventTime's order", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-stream-times-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  const logs = new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger });
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: logs.groups });
  const a = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  const b = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-2');
  a('stdout', 'a first');
  b('stdout', 'b first');
  // A later write, so the two streams' last events differ.
  await new Promise((r) => setTimeout(r, 30));
  a('stdout', 'a last');

  const streams = (await service.DescribeLogStreams({ logGroupName: group, orderBy: 'LastEventTime' }, ctx)).logStreams;
  expect(streams.map((s) => s.logStreamName)).toEqual(['AllTraffic/my-ep-alltraffic-2', 'AllTraffic/my-ep-alltraffic-1']);
  for (const s of streams) {
    const events = (await service.GetLogEvents({ logGroupName: group, logStreamName: s.logStreamName, startFromHead: true }, ctx)).events;
    const first = events[0]!.timestamp;
    const last = events.at(-1)!.timestamp;
    expect(s.firstEventTimestamp, s.logStreamName).toBeLessThanOrEqual(first);
    expect(s.firstEventTimestamp, s.logStreamName).toBeGreaterThanOrEqual(s.creationTime);
    expect(s.lastEventTimestamp, s.logStreamName).toBeGreaterThanOrEqual(last);
    expect(s.lastIngestionTime, s.logStreamName).toBe(s.lastEventTimestamp);
    // awslogs' test for a window holding exactly the stream's events: the stream is kept.
    expect(Math.max(s.firstEventTimestamp!, first) <= Math.min(s.lastIngestionTime!, last), s.logStreamName).toBe(true);
  }
  // Ordered by them, as CloudWatch Logs orders LastEventTime.
  expect(streams[0]!.lastEventTimestamp).toBeLessThanOrEqual(streams[1]!.lastEventTimestamp!);
});
