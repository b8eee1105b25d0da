import type { MetadataStore } from '../ports/metadata-store.js';
import { lineageResourceTimes, type ResourceTimes } from './lineage-resources.js';

/** When a vertex's entity was created and last modified, in epoch milliseconds. */
export type VertexTimes = ResourceTimes;

/**
 * The times of these resource vertices, each from its own record (jobs, models, endpoint configurations,
 * endpoints, packages, groups, datasets, tuning jobs), read in one query per kind and per 500 ARNs
 * (lineageResourceTimes), not one per vertex: a time-filtered QueryLineage over 30 models read the models
 * table 30 times. A vertex missing from the answer has no times Loam keeps (a kind lineage does not read
 * times of — an MLflow run, a flow run, AddAssociation's contexts — or a resource since deleted).
 * Artifacts carry theirs in their record (lineageVertex).
 */
export async function resourceTimes(store: MetadataStore, arns: Iterable<string>): Promise<Map<string, VertexTimes>> {
  const out = new Map<string, VertexTimes>();
  for (const [arn, times] of await lineageResourceTimes(store, arns)) if (times) out.set(arn, times);
  return out;
}
