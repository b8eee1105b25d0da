import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { endpointsCollection, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { EndpointLogs } from './endpoint-logs.js';

// Instance ids name the endpoint's log streams (`<variant>/<instance id>`), which outlive the server. A new
// EndpointLogs over the same directory stands for a restarted server: it must not hand out an id whose stream an
// earlier server's instance wrote (the e2e test endpoint-log-streams-restart-boto3 restarts a real `loam up`).

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ctx = { principal: systemPrincipal, requestId: 'test' };

it("numbers a restarted server's instances after the streams an earlier one wrote, per variant", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-instance-ids-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  const open = () => new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger });

  const first = open();
  const a = first.instanceId('My-Ep', 'AllTraffic');
  const b = first.instanceId('My-Ep', 'AllTraffic');
  expect([a, b]).toEqual(['my-ep-alltraffic-1', 'my-ep-alltraffic-2']);
  expect(first.instanceId('My-Ep', 'Shadow')).toBe('my-ep-shadow-1');
  first.writer('My-Ep', 'AllTraffic', a)('stdout', 'from the first server');
  first.writer('My-Ep', 'AllTraffic', b)('stdout', 'from the first server too');

  // A restart: the ids go on after the streams on disk.
  const second = open();
  const c = second.instanceId('My-Ep', 'AllTraffic');
  expect(c).toBe('my-ep-alltraffic-3');
  second.writer('My-Ep', 'AllTraffic', c)('stdout', 'from the second server');

  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: second.groups });
  const group = '/aws/sagemaker/Endpoints/My-Ep';
  const events = async (stream: string) => (await service.GetLogEvents({ logGroupName: group, logStreamName: `AllTraffic/${stream}`, startFromHead: true }, ctx)).events.map((e) => e.message);
  expect(await events(a)).toEqual(['from the first server']);
  expect(await events(c)).toEqual(['from the second server']);

  // A variant named as another but for case (an update from 'AllTraffic' to 'alltraffic' runs both fleets): ids of
  // their own, though the streams are the other variant's.
  expect(second.instanceId('My-Ep', 'alltraffic')).toBe('my-ep-alltraffic-4');
  expect(open().instanceId('My-Ep', 'ALLTRAFFIC')).toBe('my-ep-alltraffic-4');

  // Another restart after the endpoint's logs were removed (DeleteEndpoint, then a new endpoint of the name): from 1.
  second.remove('My-Ep');
  expect(open().instanceId('My-Ep', 'AllTraffic')).toBe('my-ep-alltraffic-1');
});

it("numbers each endpoint's instances after its own streams, though another endpoint's names make the same ids", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-instance-ids-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  const open = () => new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger });

  const first = open();
  const olds = [first.instanceId('My-Ep', 'A'), first.instanceId('My-Ep', 'A')];
  expect(olds).toEqual(['my-ep-a-1', 'my-ep-a-2']);
  for (const id of olds) first.writer('My-Ep', 'A', id)('stdout', `${id} from the first server`);

  // After a restart, endpoint 'My' with variant 'Ep-A' starts first: its ids are 'my-ep-a-<n>' too.
  const second = open();
  expect(second.instanceId('My', 'Ep-A')).toBe('my-ep-a-1');
  const fresh = second.instanceId('My-Ep', 'A');
  expect(fresh).toBe('my-ep-a-3');
  second.writer('My-Ep', 'A', fresh)('stdout', 'from the second server');

  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: second.groups });
  const events = async (stream: string) => (await service.GetLogEvents({ logGroupName: '/aws/sagemaker/Endpoints/My-Ep', logStreamName: `A/${stream}`, startFromHead: true }, ctx)).events.map((e) => e.message);
  for (const id of olds) expect(await events(id)).toEqual([`${id} from the first server`]);
  expect(await events(fresh)).toEqual(['from the second server']);
});
