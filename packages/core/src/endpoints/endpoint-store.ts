import { systemClock, type Clock } from '../kernel/clock.js';
import { ConflictError, NotFoundError } from '../kernel/errors.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { endpointsCollection, type EndpointRecord } from './endpoint.collections.js';
import { retireLineageVertex } from '../lineage/lineage-lives.js';

/**
 * Read-modify-write of endpoint records with optimistic concurrency: the service (API calls) and the
 * controller (background deployments) both write them, so every change re-reads on conflict.
 */
export class EndpointStore {
  constructor(
    private readonly store: MetadataStore,
    /** What a delete stamps the retirement of the endpoint's lineage vertex with: the service's clock. */
    private readonly clock: Clock = systemClock,
  ) {}

  async get(name: string): Promise<EndpointRecord | undefined> {
    return (await this.store.collection(endpointsCollection).get(name.toLowerCase()))?.value;
  }

  /** @throws ResourceNotFound. */
  async require(name: string): Promise<EndpointRecord> {
    const r = await this.get(name);
    if (!r) throw new NotFoundError('Endpoint', name);
    return r;
  }

  /**
   * Applies `fn` to the current record and stores the result; retried on a concurrent write. `fn` may
   * throw (e.g. a state check) and is then not applied. Returns undefined when the record is gone.
   */
  async patch(name: string, fn: (r: EndpointRecord) => EndpointRecord): Promise<EndpointRecord | undefined> {
    const c = this.store.collection(endpointsCollection);
    for (let attempt = 0; ; attempt++) {
      const cur = await c.get(name.toLowerCase());
      if (!cur) return undefined;
      const next = fn(cur.value);
      try {
        return (await c.update(cur.value.key, cur.version, next)).value;
      } catch (e) {
        if (!(e instanceof ConflictError) && (e as { code?: string }).code !== 'ConflictException') throw e;
        if (attempt > 20) throw e;
      }
    }
  }

  /** Deletes the record and retires its lineage vertex with it: an endpoint created again under the name starts with none of this one's. */
  async delete(name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const cur = await tx.collection(endpointsCollection).get(name.toLowerCase());
      if (!cur) return;
      await tx.collection(endpointsCollection).delete(name.toLowerCase());
      await retireLineageVertex(tx, cur.value.arn, this.clock.now());
    });
  }
}
