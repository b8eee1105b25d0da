import { expect, it } from 'vitest';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { ManualClock } from '../kernel/clock.js';
import { silentLogger } from '../kernel/logger.js';
import { jobsCollection } from '../jobs/job.collections.js';
import { modelsCollection } from '../models/model.collections.js';
import { endpointConfigsCollection, endpointsCollection } from '../endpoints/endpoint.collections.js';
import { datasetVersionsSpec } from '../datasets/dataset.collections.js';
import { flowRunsSpec, flowVersionsSpec } from '../datasets/flows/flow.collections.js';
import { modelPackagesCollection } from '../registry/registry.collections.js';
import { lineageCollections } from './lineage.collections.js';
import { lineageSyncMarksCollection } from './lineage-sync.collections.js';
import { LineageRecorder } from './lineage-recorder.js';
import { LineageSync } from './lineage-sync.js';

const partition = { region: 'us-east-1', accountId: '123456789012' };
const base = 'arn:loam:sagemaker:us-east-1:123456789012:';
const followed = [jobsCollection, modelsCollection, endpointConfigsCollection, endpointsCollection, datasetVersionsSpec, flowRunsSpec, flowVersionsSpec, modelPackagesCollection];

it("retires a deleted resource's lineage, in the one-time upgrade, at the time the injected clock gives", async () => {
  const store = createMemoryMetadataStore({ collections: [...lineageCollections, lineageSyncMarksCollection, ...followed] });
  // Far from the machine's time, so a stamp taken from it could not pass for the clock's.
  const clock = new ManualClock(1_000_000_000_000);
  // An older Loam's edge to a model that no longer exists.
  await store.lineage.add({ sourceArn: `${base}artifact/data`, destinationArn: `${base}model/gone`, associationType: 'ContributedTo', createdAt: 5, legacy: true });
  await new LineageSync({ store, partition, clock, recorder: new LineageRecorder(store, partition, clock), logger: silentLogger }).syncOnce();
  expect((await store.lineage.edges(`${base}artifact/data`, 'downstream')).map((e) => e.destinationArn)).toEqual([`${base}model/gone#retired-1000000000000-upgrade`]);
});
