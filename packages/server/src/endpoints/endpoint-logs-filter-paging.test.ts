import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { endpointsCollection, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { EndpointLogs } from './endpoint-logs.js';

// FilterLogEvents' token holds each stream's read position. An endpoint instance's log has an end time (its last
// write) but goes on growing while the instance runs: an instance idle for a minute before the last event a page
// returned was left out of the next token, and when it wrote again a later page read it from its start, returning
// its old events a second time.

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('pages an idle instance that writes again without returning its old events twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-logs-paging-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  const root = join(dir, 'endpoint-logs');
  const logs = new EndpointLogs({ dir: root, store, logger: silentLogger });
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: logs.groups });
  const ctx = { principal: systemPrincipal, requestId: 'test' };
  // Lines are stamped with the clock, the instance's last write is its segment's modification time: both set, a few
  // minutes ahead (after the instance directories were made).
  const t0 = Date.now() + 600_000;
  vi.useFakeTimers({ toFake: ['Date'] });
  const instances = { a: logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1'), b: logs.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-2') };
  const write = (which: 'a' | 'b', at: number, line: string) => {
    vi.setSystemTime(at);
    instances[which]('stdout', line);
    const d = join(root, 'my-ep', 'AllTraffic', `my-ep-alltraffic-${which === 'a' ? 1 : 2}`);
    for (const f of readdirSync(d)) utimesSync(join(d, f), at / 1000, at / 1000);
  };
  write('a', t0, 'a1');
  write('b', t0 + 120_000, 'b1');
  write('b', t0 + 121_000, 'b2');
  write('b', t0 + 122_000, 'b3');
  const filter = (limit: number | undefined, nextToken: string | undefined) =>
    service.FilterLogEvents({ logGroupName: '/aws/sagemaker/Endpoints/My-Ep', ...(limit ? { limit } : {}), ...(nextToken ? { nextToken } : {}) }, ctx);
  const first = await filter(2, undefined);
  expect(first.events.map((e) => e.message)).toEqual(['a1', 'b1']);
  // The first instance's last write is two minutes before the last event returned.
  const second = await filter(1, first.nextToken);
  expect(second.events.map((e) => e.message)).toEqual(['b2']);
  write('a', t0 + 200_000, 'a2');
  const third = await filter(undefined, second.nextToken);
  expect(third.events.map((e) => e.message)).toEqual(['b3', 'a2']);
  expect(third.nextToken).toBeUndefined();
  // One call returns the same.
  expect((await filter(undefined, undefined)).events.map((e) => e.message)).toEqual(['a1', 'b1', 'b2', 'b3', 'a2']);
});
