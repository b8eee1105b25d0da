import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { endpointsCollection, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord, type Logger } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { EndpointLogs } from './endpoint-logs.js';

// A model server's line cut short (a full disk: a write that put part of a line; a server killed mid-write) left a
// segment ending inside a line, and the next line written (the next server's after a restart) was glued to it: the
// readers skip a line that is not one record, so that whole line was lost. Over real endpoint log files.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ctx = { principal: systemPrincipal, requestId: 'test' };
const group = '/aws/sagemaker/Endpoints/My-Ep';
const stream = 'AllTraffic/my-ep-alltraffic-1';

async function endpointStore() {
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  return store;
}

it('starts the next line on a line of its own after a segment that ends inside a line, so it is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-torn-'));
  dirs.push(dir);
  const store = await endpointStore();
  const root = join(dir, 'endpoint-logs');
  const first = new EndpointLogs({ dir: root, store, logger: silentLogger }).writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  first('stdout', 'one');
  first('stdout', 'two');
  // What the cut write left: the start of a record, no newline.
  const segments = join(root, 'my-ep', 'AllTraffic', 'my-ep-alltraffic-1');
  appendFileSync(join(segments, readdirSync(segments)[0] as string), '{"time":1700000000000,"host":"my-ep-allt');
  // The next server (a restart) goes on writing the same stream.
  const logs = new EndpointLogs({ dir: root, store, logger: silentLogger });
  const next = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  next('stdout', 'three');
  next('stdout', 'four');
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: logs.groups });
  const got = await service.GetLogEvents({ logGroupName: group, logStreamName: stream, startFromHead: true }, ctx);
  // The old writer glued 'three' to the half record, and the readers skipped both.
  expect(got.events.map((e) => e.message)).toEqual(['one', 'two', 'three', 'four']);
  const newest = await service.GetLogEvents({ logGroupName: group, logStreamName: stream, limit: 3 }, ctx);
  expect(newest.events.map((e) => e.message)).toEqual(['two', 'three', 'four']);
  const filtered = (await service.FilterLogEvents({ logGroupName: group }, ctx)).events;
  expect(filtered.map((e) => e.message)).toEqual(['one', 'two', 'three', 'four']);
  expect(new Set(filtered.map((e) => e.eventId)).size).toBe(4);
});

it.skipIf(!canMountTmpfs)('goes on on a line of its own after a line the full disk took part of (a real tmpfs)', async () => {
  const fs = smallTmpfs(1, 'loam-endpoint-torn-');
  const store = await endpointStore();
  const logs = new EndpointLogs({ dir: join(fs.dir, 'endpoint-logs'), store, logger: silentLogger });
  const out = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  out('stdout', 'one');
  // Room for part of the next line only: the write takes what fits and answers no error.
  fs.leave(4096);
  out('stdout', 'x'.repeat(16_000));
  fs.free();
  out('stdout', 'after');
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: logs.groups });
  const got = await service.GetLogEvents({ logGroupName: group, logStreamName: stream, startFromHead: true }, ctx);
  // The cut line is skipped; the old writer glued 'after' to it, and it was skipped too.
  expect(got.events.map((e) => e.message)).toEqual(['one', 'after']);
});

it("says once, in the server's log, where a segment holds a torn line, however many reads meet it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-torn-'));
  dirs.push(dir);
  const store = await endpointStore();
  const root = join(dir, 'endpoint-logs');
  const warned: { fields: Record<string, unknown>; message: string }[] = [];
  const logger: Logger = { ...silentLogger, warn: (fields, message) => void warned.push({ fields: fields as Record<string, unknown>, message }), child: () => logger };
  const logs = new EndpointLogs({ dir: root, store, logger });
  const out = logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
  out('stdout', 'one');
  const segments = join(root, 'my-ep', 'AllTraffic', 'my-ep-alltraffic-1');
  const segment = join(segments, readdirSync(segments)[0] as string);
  const tornAt = statSync(segment).size;
  // A write cut short, then the next line on a line of its own (as the writer starts it after a short write).
  appendFileSync(segment, '{"time":1700000000000,"host":"my-ep-allt\n');
  out('stdout', 'two');
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: logs.groups });
  for (let i = 0; i < 3; i++) {
    expect((await service.GetLogEvents({ logGroupName: group, logStreamName: stream, startFromHead: true }, ctx)).events.map((e) => e.message)).toEqual(['one', 'two']);
    expect((await service.GetLogEvents({ logGroupName: group, logStreamName: stream }, ctx)).events.map((e) => e.message)).toEqual(['one', 'two']);
  }
  // The endpoint's readers skipped it silently: a lost line left no trace.
  expect(warned.filter((w) => /torn line/.test(w.message))).toEqual([{ fields: { file: segment, offset: tornAt, tornLines: 1 }, message: expect.stringMatching(/torn line/) }]);
});
