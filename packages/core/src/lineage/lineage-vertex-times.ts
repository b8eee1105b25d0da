import { parseArn, type Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { jobsCollection, type JobRecord } from '../jobs/job.collections.js';
import { modelsCollection } from '../models/model.collections.js';
import { endpointConfigsCollection, endpointsCollection } from '../endpoints/endpoint.collections.js';
import { datasetsSpec } from '../datasets/dataset.collections.js';
import { modelPackageGroupsCollection, modelPackagesCollection } from '../registry/registry.collections.js';
import { groupKeyOf, packageRefOf } from '../registry/package-refs.js';
import { tuningJobsCollection } from '../tuning/tuning.collections.js';

/** When a vertex's entity was created and last modified, in epoch milliseconds. */
export interface VertexTimes {
  readonly createdAt: number;
  readonly modifiedAt: number;
}

type Lookup = (store: MetadataStore, partition: Partition, arn: string, name: string) => Promise<VertexTimes | undefined>;

/** Records keep seconds (fractional, as SageMaker answers them); filters compare milliseconds. */
const seconds = (r: { creationTime: number; lastModifiedTime?: number } | undefined): VertexTimes | undefined =>
  r && { createdAt: r.creationTime * 1000, modifiedAt: (r.lastModifiedTime ?? r.creationTime) * 1000 };

const job: Lookup = async (store, _p, arn) => seconds((await store.collection(jobsCollection).findOne('arn' as keyof JobRecord & string, arn))?.value);

/** How each resource kind lineage holds is read for its times: the kind's own record. */
const byKind: Readonly<Record<string, Lookup>> = {
  'training-job': job,
  'processing-job': job,
  'transform-job': job,
  'hyper-parameter-tuning-job': async (store, _p, arn) => seconds((await store.collection(tuningJobsCollection).findOne('arn', arn))?.value),
  model: async (store, _p, _arn, name) => seconds((await store.collection(modelsCollection).get(name))?.value),
  'endpoint-config': async (store, _p, _arn, name) => seconds((await store.collection(endpointConfigsCollection).get(name))?.value),
  endpoint: async (store, _p, _arn, name) => seconds((await store.collection(endpointsCollection).get(name))?.value),
  'model-package-group': async (store, p, arn) => seconds((await store.collection(modelPackageGroupsCollection).get(groupKeyOf(arn, p)))?.value),
  'model-package': async (store, p, arn) => seconds((await store.collection(modelPackagesCollection).get(packageRefOf(arn, p).key))?.value),
  // By ARN: a dataset's key keeps its name's capitals ('Churn'), the vertex's ARN is lower-cased.
  dataset: async (store, _p, arn) => {
    const d = (await store.collection(datasetsSpec).findOne('arn', arn))?.value;
    return d && { createdAt: d.createdAt, modifiedAt: d.lastModifiedAt };
  },
};

/**
 * The times of a resource vertex, from its own record; undefined where Loam keeps none for it (a kind
 * lineage does not read times of — an MLflow run, a flow run, AddAssociation's contexts — or a resource
 * since deleted). Artifacts carry theirs in their record (lineageVertex).
 */
export async function resourceTimes(store: MetadataStore, partition: Partition, arn: string): Promise<VertexTimes | undefined> {
  const parsed = parseArn(arn);
  const lookup = parsed ? byKind[parsed.kind] : undefined;
  if (!parsed || !lookup) return undefined;
  try {
    return await lookup(store, partition, arn, parsed.name.toLowerCase());
  } catch {
    return undefined; // a name its kind's rules refuse names no record
  }
}
