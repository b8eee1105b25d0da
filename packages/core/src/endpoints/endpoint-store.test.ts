import { expect, it } from 'vitest';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { ManualClock } from '../kernel/clock.js';
import { lineageCollections } from '../lineage/lineage.collections.js';
import { lineageRetirementsCollection } from '../lineage/lineage-lives.js';
import type { EndpointConfigService } from './endpoint-config.service.js';
import { endpointsCollection, type EndpointRecord } from './endpoint.collections.js';
import { EndpointService } from './endpoint.service.js';

/*
 * An endpoint's deletion (the controller's, through the service's EndpointStore) retires its lineage vertex
 * in the delete's transaction. It stamped the retirement with Date.now() while every other delete uses the
 * service's clock: the retired vertex and the time LineageSync binds later records by (lineageLifeAt) then
 * disagreed with the times the service wrote on the records themselves.
 */
it('an endpoint deletion retires its lineage vertex at the service clock\'s time', async () => {
  const store = createMemoryMetadataStore({ collections: [endpointsCollection, ...lineageCollections] });
  const clock = new ManualClock(1_700_000_000_000);
  const service = new EndpointService({
    store, clock, partition: { region: 'us-east-1', accountId: '123456789012' },
    configs: undefined as unknown as EndpointConfigService, deployer: () => { throw new Error('no deployments here'); }, maxInstancesPerVariant: 1,
  });
  const arn = 'arn:loam:sagemaker:us-east-1:123456789012:endpoint/e';
  const config = 'arn:loam:sagemaker:us-east-1:123456789012:endpoint-config/c';
  await store.collection(endpointsCollection).insert({
    key: 'e', name: 'e', arn, status: 'Deleting', configName: 'c', creationTime: 1_600_000_000, lastModifiedTime: 1_600_000_000, variants: [],
  } satisfies EndpointRecord);
  await store.lineage.add({ sourceArn: config, destinationArn: arn, associationType: 'ContributedTo', createdAt: 1_600_000_000_000 });
  clock.set(1_650_000_000_000);

  await service.endpoints.delete('e');

  const retired = (await store.collection(lineageRetirementsCollection).list({ maxResults: 10 })).items.map((x) => x.value);
  expect(retired).toEqual([{ id: expect.stringMatching(/#retired-1650000000000-[0-9a-f]{8}$/), arn, retiredAt: 1_650_000_000_000 }]);
  expect((await store.lineage.edges(config, 'downstream')).map((e) => e.destinationArn)).toEqual([retired[0]!.id]);
});
