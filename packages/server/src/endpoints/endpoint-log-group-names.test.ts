import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
import { endpointsCollection, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { EndpointLogs } from './endpoint-logs.js';

// Authorization reads a Logs request's group through the operation table's resourceNames, the handler through
// LogStreamsService: both go through logGroupNameOf, so the group authorized is the group read.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('reads the log group authorization names, however the request names it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-log-groups-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  await store.collection(endpointsCollection).insert({ key: 'my-ep', name: 'My-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/my-ep', status: 'InService', configName: 'My-Ep', creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] } as unknown as EndpointRecord);
  const l = new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger });
  l.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1')('stdout', 'hello');
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: l.groups });
  const ctx = { principal: systemPrincipal, requestId: 'test' };
  const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/My-Ep:*';
  for (const input of [{ logGroupName: '/aws/sagemaker/Endpoints/My-Ep' }, { logGroupIdentifier: arn }, { logGroupName: '', logGroupIdentifier: arn }]) {
    // What authorization reads the group from (the operation table's resourceNames), and what the handler reads.
    expect(getOperation('GetLogEvents')?.resourceNames?.(input)['logGroupName'], JSON.stringify(input)).toBe('/aws/sagemaker/Endpoints/My-Ep');
    const page = await service.GetLogEvents({ ...input, logStreamName: 'AllTraffic/my-ep-alltraffic-1' }, ctx);
    expect(page.events.map((e) => e.message), JSON.stringify(input)).toEqual(['hello']);
  }
});
