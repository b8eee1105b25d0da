import { parseArn } from '../kernel/names.js';
import type { CollectionSpec, MetadataStore } from '../ports/metadata-store.js';
import { jobsCollection, type JobRecord } from '../jobs/job.collections.js';
import { modelsCollection } from '../models/model.collections.js';
import { endpointConfigsCollection, endpointsCollection } from '../endpoints/endpoint.collections.js';
import { datasetsSpec, type DatasetRecord } from '../datasets/dataset.collections.js';
import { modelPackageGroupsCollection, modelPackagesCollection } from '../registry/registry.collections.js';
import { tuningJobsCollection } from '../tuning/tuning.collections.js';

/** When a record was created and last modified, in epoch milliseconds. */
export interface ResourceTimes {
  readonly createdAt: number;
  readonly modifiedAt: number;
}

/** A resource collection lineage reads by ARN (each indexes `arn` uniquely), and its record's times. */
interface KindRecords {
  readonly spec: CollectionSpec<{ arn: string }>;
  readonly times: (r: never) => ResourceTimes;
}

/** Records keep seconds (fractional, as SageMaker answers them); lineage compares milliseconds. */
const seconds = (r: { creationTime: number; lastModifiedTime?: number }): ResourceTimes =>
  ({ createdAt: r.creationTime * 1000, modifiedAt: (r.lastModifiedTime ?? r.creationTime) * 1000 });
const jobs: KindRecords = { spec: jobsCollection as unknown as KindRecords['spec'], times: seconds as (r: JobRecord) => ResourceTimes };
const of = <T extends { arn: string }>(spec: CollectionSpec<T>, times: (r: T) => ResourceTimes): KindRecords =>
  ({ spec: spec as unknown as KindRecords['spec'], times: times as (r: never) => ResourceTimes });

/** The resource kinds lineage holds vertices of, each with its capability's collection. */
const byKind: Readonly<Record<string, KindRecords>> = {
  'training-job': jobs,
  'processing-job': jobs,
  'transform-job': jobs,
  'hyper-parameter-tuning-job': of(tuningJobsCollection, seconds),
  model: of(modelsCollection, seconds),
  'endpoint-config': of(endpointConfigsCollection, seconds),
  endpoint: of(endpointsCollection, seconds),
  'model-package-group': of(modelPackageGroupsCollection, seconds),
  'model-package': of(modelPackagesCollection, seconds),
  dataset: of(datasetsSpec, (d: DatasetRecord) => ({ createdAt: d.createdAt, modifiedAt: d.lastModifiedAt })),
};

/** ARNs per `in` filter: far below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

/**
 * The resources of these ARNs that lineage can read by kind, looked up with one query per collection
 * (and per {@link CHUNK} ARNs), not one per ARN: each one's times when it exists, `null` when it does not.
 * ARNs of other kinds (an MLflow run, an experiment, an artifact) are left out.
 */
export async function lineageResourceTimes(store: MetadataStore, arns: Iterable<string>): Promise<Map<string, ResourceTimes | null>> {
  const wanted = new Map<KindRecords, Set<string>>();
  for (const arn of arns) {
    const kind = byKind[parseArn(arn)?.kind ?? ''];
    if (!kind) continue;
    const set = wanted.get(kind) ?? new Set<string>();
    set.add(arn);
    wanted.set(kind, set);
  }
  const out = new Map<string, ResourceTimes | null>();
  // Kinds sharing a collection (the three job kinds) are read in one query.
  const bySpec = new Map<KindRecords['spec'], { kind: KindRecords; arns: string[] }>();
  for (const [kind, set] of wanted) {
    const entry = bySpec.get(kind.spec) ?? { kind, arns: [] };
    entry.arns.push(...set);
    bySpec.set(kind.spec, entry);
  }
  for (const [spec, { kind, arns: list }] of bySpec) {
    for (let i = 0; i < list.length; i += CHUNK) {
      const chunk = list.slice(i, i + CHUNK);
      for (const arn of chunk) out.set(arn, null);
      const page = await store.collection(spec).list({ filters: [{ field: 'arn', op: 'in', value: chunk }], maxResults: CHUNK });
      for (const { value } of page.items) if (out.has(value.arn)) out.set(value.arn, kind.times(value as never));
    }
  }
  return out;
}

/** {@link lineageResourceTimes}, with each existing resource's creation time (epoch ms) alone. */
export async function lineageResources(store: MetadataStore, arns: Iterable<string>): Promise<Map<string, number | null>> {
  return new Map([...await lineageResourceTimes(store, arns)].map(([arn, t]) => [arn, t === null ? null : t.createdAt]));
}

/**
 * Whether the resources of these ARNs exist, for QueryLineage and ListAssociations: kinds lineage reads
 * ({@link lineageResources}) in one query per collection, any other through `one` (a capability's own
 * check, undefined for kinds none owns), ARN by ARN.
 */
export async function lineageResourcesExist(
  store: MetadataStore, arns: readonly string[], one?: (arn: string) => Promise<boolean | undefined>,
): Promise<Map<string, boolean | undefined>> {
  const known = await lineageResources(store, arns);
  const out = new Map<string, boolean | undefined>();
  await Promise.all(arns.map(async (arn) => {
    const created = known.get(arn);
    out.set(arn, created !== undefined ? created !== null : await one?.(arn));
  }));
  return out;
}
