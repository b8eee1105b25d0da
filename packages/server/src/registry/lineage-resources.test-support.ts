import {
  endpointConfigsCollection, endpointsCollection, isLoamError, jobsCollection, modelsCollection, parseArn, type EndpointConfigRecord, type EndpointRecord, type JobRecord,
  type MetadataStore, type ModelRecord,
} from '@loam/core';

/**
 * Stores a record for each resource ARN a hand-drawn lineage graph names (training job, model, endpoint
 * config, endpoint), so the resource exists as its capability answers: QueryLineage and ListAssociations
 * leave out the vertices of resources that do not (deleted ones). Inert records: a completed job, a failed
 * endpoint, no containers or variants, so nothing runs and LineageSync draws no edge of its own from them
 * but an endpoint's config → endpoint (`configName`, default `<name>-cfg`).
 */
export async function seedLineageResources(store: MetadataStore, arns: readonly string[], configOf: (endpoint: string) => string = (e) => `${e}-cfg`): Promise<void> {
  for (const arn of arns) {
    try {
      await seedOne(store, arn, configOf);
    } catch (e) {
      // Seeded already: a retried test on the same server.
      if (!(isLoamError(e) && e.code === 'ResourceInUse')) throw e;
    }
  }
}

async function seedOne(store: MetadataStore, arn: string, configOf: (endpoint: string) => string): Promise<void> {
  const t = Date.now() / 1000;
  const p = parseArn(arn);
  if (!p) throw new Error(`not an ARN: ${arn}`);
  const { kind, name } = p;
  if (kind === 'training-job') {
    await store.collection(jobsCollection).insert({
      id: `training-job/${name}`, kind, name, arn, status: 'Completed', secondaryStatus: 'Completed', phase: 'done', creationTime: t, lastModifiedTime: t,
      request: { TrainingJobName: name }, spec: { channels: [], outputs: [] },
      transitions: [], finalMetrics: {}, metricSeries: {}, attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {},
    } as unknown as JobRecord);
  } else if (kind === 'model') {
    await store.collection(modelsCollection).insert({ key: name, name, arn, creationTime: t, request: { ModelName: name }, containers: [], networkIsolation: false } as ModelRecord);
  } else if (kind === 'endpoint-config') {
    await store.collection(endpointConfigsCollection).insert({ key: name, name, arn, creationTime: t, request: { ProductionVariants: [] } } as unknown as EndpointConfigRecord);
  } else if (kind === 'endpoint') {
    await store.collection(endpointsCollection).insert({ key: name, name, arn, status: 'Failed', configName: configOf(name), creationTime: t, lastModifiedTime: t } as unknown as EndpointRecord);
  } else {
    throw new Error(`no record to seed for ${kind}`);
  }
}
