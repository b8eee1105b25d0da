import type { Clock } from '../kernel/clock.js';
import { LoamError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { parseS3Uri, type ArtifactStore, type ObjectRef } from '../ports/artifact-store.js';
import type { Collection, Filter, MetadataStore, Versioned } from '../ports/metadata-store.js';
import { datasetObjectIntentsSpec, datasetVersionsSpec, type DatasetObjectIntentRecord, type DatasetVersionRecord } from './dataset.collections.js';

// Where an upload lives in the dataset bucket: its dataset, its time and a random part.
const UPLOAD_KEY = /^uploads\/([^/]+)\/\d+-[0-9a-z]{1,6}\/[A-Za-z0-9._-]+$/;

/** Every version record of a dataset, by its `datasetName` index (rows of no dataset included). */
export async function versionsOf(versions: Collection<DatasetVersionRecord>, name: string): Promise<Versioned<DatasetVersionRecord>[]> {
  const out: Versioned<DatasetVersionRecord>[] = [];
  let nextToken: string | undefined;
  do {
    const page = await versions.list({ filters: [{ field: 'datasetName', op: 'eq', value: name }], maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
    out.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** The objects Loam stored for a version: its snapshot, and the uploaded file it was imported from. */
export function objectsOf(rec: DatasetVersionRecord, bucket: string): ObjectRef[] {
  const out: ObjectRef[] = [];
  const data = parseS3Uri(rec.dataUri);
  if (data && data.key !== '') out.push(data);
  // Only an upload of this dataset: an import from s3:// read someone's object, which stays theirs.
  const source = parseS3Uri(rec.sourceUri);
  if (source && source.bucket === bucket && UPLOAD_KEY.exec(source.key)?.[1] === rec.datasetName) out.push(source);
  return out;
}

/** The intents of the objects of these records, in the transaction that removes the records. */
export async function recordDeleteIntents(tx: MetadataStore, recs: readonly DatasetVersionRecord[], bucket: string, now: number): Promise<ObjectRef[]> {
  const intents = tx.collection(datasetObjectIntentsSpec);
  const refs: ObjectRef[] = [];
  for (const rec of recs) {
    for (const ref of objectsOf(rec, bucket)) {
      refs.push(ref);
      const intent: DatasetObjectIntentRecord = { uri: uriOf(ref), datasetName: rec.datasetName, kind: 'delete', createdAt: now };
      const cur = await intents.get(intent.uri);
      if (cur) await intents.update(intent.uri, cur.version, intent);
      else await intents.insert(intent);
    }
  }
  return refs;
}

export const uriOf = (ref: ObjectRef): string => `s3://${ref.bucket}/${ref.key}`;

export interface SweepOptions {
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly clock: Clock;
  readonly logger?: Logger;
  /**
   * Objects an import began writing more recently are kept: the import may still be running (on this
   * server before a restart, or on another server sharing this store) and commit.
   */
  readonly olderThanMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Works through this store's object intents (see {@link DatasetObjectIntentRecord}): deletes the objects
 * a stopped server left between an import's write and its commit (`write` intents older than
 * `olderThanMs` that no version names), and those a committed DeleteDataset did not get to delete
 * (`delete` intents, at any age). The bucket is never listed: an object this store has no intent for is
 * not its to judge, whoever wrote it. An object whose delete fails keeps its intent for the next sweep.
 * @returns the s3:// URIs deleted.
 */
export async function sweepOrphanedDatasetObjects(o: SweepOptions): Promise<string[]> {
  const intents = o.store.collection(datasetObjectIntentsSpec);
  const cutoff = o.clock.now() - o.olderThanMs;
  const deleted: string[] = [];
  let failed = 0;
  for (const filters of [
    [{ field: 'kind', op: 'eq', value: 'delete' }],
    [{ field: 'kind', op: 'eq', value: 'write' }, { field: 'createdAt', op: 'lte', value: cutoff }],
  ] as const satisfies readonly (readonly Filter<DatasetObjectIntentRecord>[])[]) {
    let nextToken: string | undefined;
    do {
      o.signal?.throwIfAborted();
      const page = await intents.list({ filters, maxResults: 100, ...(nextToken ? { nextToken } : {}) });
      for (const { value } of page.items) {
        o.signal?.throwIfAborted();
        const ref = parseS3Uri(value.uri);
        // Claimed in a transaction: a commit of the import that wrote it either went first (and removed the
        // intent) or finds the claim and records nothing.
        const claimed = await o.store.transaction(async (tx) => {
          const c = tx.collection(datasetObjectIntentsSpec);
          const cur = await c.get(value.uri);
          if (!cur || (cur.value.kind === 'write' && cur.value.createdAt > cutoff)) return false;
          if (!ref || (cur.value.kind === 'write' && (await isNamed(tx, cur.value)))) {
            await c.delete(value.uri, cur.version); // recorded after all (or not an object): nothing to delete
            return false;
          }
          if (!cur.value.sweeping) await c.update(value.uri, cur.version, { ...cur.value, sweeping: true });
          return true;
        });
        if (!claimed || !ref) continue;
        try {
          await o.artifacts.delete(ref).catch((e: unknown) => {
            if (!(e instanceof LoamError && e.code === 'ResourceNotFound')) throw e; // no bucket: no object
          });
        } catch (e) {
          failed++;
          o.logger?.warn({ uri: value.uri, err: e }, 'dataset object not deleted; the next sweep tries again');
          continue;
        }
        await intents.delete(value.uri);
        deleted.push(value.uri);
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  if (deleted.length || failed) o.logger?.info({ count: deleted.length, failed }, 'orphaned dataset objects deleted');
  return deleted;
}

/** Whether a version of this store names the object (its snapshot, or the upload it was imported from). */
async function isNamed(tx: MetadataStore, intent: DatasetObjectIntentRecord): Promise<boolean> {
  return (await versionsOf(tx.collection(datasetVersionsSpec), intent.datasetName)).some((r) => r.value.dataUri === intent.uri || r.value.sourceUri === intent.uri);
}
