import { randomBytes } from 'node:crypto';
import { ResourceInUseError } from '../kernel/errors.js';
import { parseArn } from '../kernel/names.js';
import type { CollectionSpec, LineageEdgeEnds, MetadataStore } from '../ports/metadata-store.js';

/**
 * One ended life of a resource's lineage vertex. A resource's vertex is its ARN, and ARNs are derived
 * from names (in SageMaker too), so a resource deleted and created again under its name would take up its
 * predecessor's edges. SageMaker's lineage entities are objects of their own (an endpoint's context has a
 * generated name), so a new resource starts with none of the old one's associations. Loam gets the same by
 * retiring the vertex when the resource is deleted: its edges move to a vertex of their own, `id`, which
 * answers leave out (as they left out a deleted resource's vertex) and walks pass through.
 */
export interface LineageRetirementRecord {
  /** The retired vertex the edges moved to: `<arn>#retired-<ms>-<random>`. */
  readonly id: string;
  /** The resource ARN whose life ended. */
  readonly arn: string;
  /** Epoch milliseconds. */
  readonly retiredAt: number;
}

export const lineageRetirementsCollection: CollectionSpec<LineageRetirementRecord> = {
  name: 'lineage_retirements',
  key: 'id',
  indexes: { arn: 'text', retiredAt: 'integer' },
  orderIndexes: [{ within: 'arn', sortBy: 'retiredAt' }],
};

const marker = '#retired-';

/** The kinds whose resources can be deleted and created again under the same name: their vertices retire. */
export const retiringKinds: ReadonlySet<string> = new Set(['model', 'endpoint-config', 'endpoint', 'model-package', 'model-package-group', 'dataset']);

/** Whether a vertex is a retired life of a resource (never listed; walked through). */
export function isRetiredVertex(arn: string): boolean {
  return arn.includes(marker);
}

/**
 * Ends the life of `arn`'s vertex at `at` (epoch ms): the edges it has (all of them, or only `only`)
 * move to a new retired vertex, and the retirement is recorded, so an edge recorded later for a record of
 * that life (LineageSync reads records some time after they were written) goes to the retired vertex too
 * ({@link lineageLifeAt}). Call it in the transaction that deletes the resource. Returns the retired vertex.
 */
export async function retireLineageVertex(tx: MetadataStore, arn: string, at: number): Promise<string> {
  const retiredAt = Math.floor(at);
  const id = `${arn}${marker}${retiredAt}-${randomBytes(4).toString('hex')}`;
  await tx.lineage.moveEnd(arn, id);
  await tx.collection(lineageRetirementsCollection).insert({ id, arn, retiredAt });
  return id;
}

/**
 * The upgrade's retirement (LineageSync): moves `edges` of `arn` to the retired vertex named by `arn` and
 * `at` alone (`<arn>#retired-<at>-upgrade`), recorded once. Servers upgrading one database at once, or a
 * run again after a crash, move an edge to the same vertex (adding an edge again keeps the first), so no
 * edge is doubled; the edges can be moved in several transactions.
 */
export async function retireLineageEdges(tx: MetadataStore, arn: string, at: number, edges: readonly LineageEdgeEnds[]): Promise<void> {
  const retiredAt = Math.floor(at);
  const id = `${arn}${marker}${retiredAt}-upgrade`;
  await tx.lineage.moveEnd(arn, id, edges);
  const retirements = tx.collection(lineageRetirementsCollection);
  if (await retirements.get(id)) return;
  try {
    await retirements.insert({ id, arn, retiredAt });
  } catch (e) {
    // Another server's upgrade recorded it first.
    if (!(e instanceof ResourceInUseError)) throw e;
  }
}

/**
 * The vertex that stood for `arn` at time `t` (epoch ms): the retired vertex of the first life of the
 * name that ended at or after `t`, or `arn` itself when none did (the resource's current life).
 */
export async function lineageLifeAt(store: MetadataStore, arn: string, t: number): Promise<string> {
  if (!retiringKinds.has(parseArn(arn)?.kind ?? '')) return arn;
  const page = await store.collection(lineageRetirementsCollection).list({
    filters: [{ field: 'arn', op: 'eq', value: arn }, { field: 'retiredAt', op: 'gte', value: Math.floor(t) }],
    sortBy: 'retiredAt', sortOrder: 'Ascending', maxResults: 1,
  });
  return page.items[0]?.value.id ?? arn;
}

/**
 * The vertices `arn` names for QueryLineage, ListAssociations and DeleteAssociation: the ARN itself, and,
 * when it names a resource since deleted (and not created again: `resourceExists` says false), the retired
 * vertices its edges moved to at its deletes, so its lineage is still found by the ARN it was made with.
 * A resource created again has only its own: the deleted one's edges are not its.
 */
export async function lineageLives(store: MetadataStore, arn: string, resourceExists: ((arn: string) => Promise<boolean | undefined>) | undefined): Promise<string[]> {
  if (!retiringKinds.has(parseArn(arn)?.kind ?? '') || isRetiredVertex(arn) || (await resourceExists?.(arn)) !== false) return [arn];
  const out = [arn];
  let nextToken: string | undefined;
  do {
    const page = await store.collection(lineageRetirementsCollection).list({ filters: [{ field: 'arn', op: 'eq', value: arn }], maxResults: 100, ...(nextToken ? { nextToken } : {}) });
    out.push(...page.items.map((r) => r.value.id));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}
