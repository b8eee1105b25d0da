import type { Clock } from '../kernel/clock.js';
import { LoamError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { parseS3Uri, type ArtifactStore, type ListObjectsResult, type ObjectRef } from '../ports/artifact-store.js';
import type { Collection, MetadataStore, Versioned } from '../ports/metadata-store.js';
import { datasetVersionsSpec, versionId, type DatasetVersionRecord } from './dataset.collections.js';

// Where a dataset's objects live in its bucket. A snapshot's key carries a random part of its import's
// own (older versions have none); an upload's carries its time and a random part.
const SNAPSHOT_KEY = /^datasets\/([^/]+)\/v(\d+)\/(?:[0-9a-f]{16}\/)?data\.parquet$/;
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

export interface SweepOptions {
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly bucket: string;
  readonly clock: Clock;
  readonly logger?: Logger;
  /**
   * Objects written more recently are kept: an import on another server writes its upload and its
   * snapshot before the transaction that records them, and may still commit.
   */
  readonly olderThanMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Deletes the snapshots and uploads in the dataset bucket that no version records: what a server that
 * stopped between an import's write and its commit, or between DeleteDataset's commit and its deletes,
 * left behind. Rows go first and objects after them, so an object of no row is garbage while a row
 * always names an object that is there. Only keys of the shapes Loam writes are considered.
 * @returns the s3:// URIs deleted.
 */
export async function sweepOrphanedDatasetObjects(o: SweepOptions): Promise<string[]> {
  const versions = o.store.collection(datasetVersionsSpec);
  const uploadsOf = new Map<string, Set<string>>();
  const recordedUploads = async (name: string): Promise<Set<string>> => {
    let set = uploadsOf.get(name);
    if (!set) {
      set = new Set((await versionsOf(versions, name)).map((r) => r.value.sourceUri));
      uploadsOf.set(name, set);
    }
    return set;
  };
  const isRecorded = async (key: string, uri: string): Promise<boolean | undefined> => {
    const snap = SNAPSHOT_KEY.exec(key);
    if (snap) return (await versions.get(versionId(snap[1] as string, Number(snap[2]))))?.value.dataUri === uri;
    const upload = UPLOAD_KEY.exec(key);
    if (upload) return (await recordedUploads(upload[1] as string)).has(uri);
    return undefined; // not a key Loam writes: not ours to judge
  };
  const cutoff = o.clock.now() - o.olderThanMs;
  const deleted: string[] = [];
  for (const prefix of ['datasets/', 'uploads/']) {
    let startAfter: string | undefined;
    do {
      o.signal?.throwIfAborted();
      const page = await o.artifacts.list({ bucket: o.bucket, prefix, maxKeys: 1000, ...(startAfter ? { startAfter } : {}) }).catch((e: unknown): ListObjectsResult => {
        // No bucket yet: nothing was ever imported. (Not listBuckets: an S3 key may not be allowed to.)
        if (e instanceof LoamError && e.code === 'ResourceNotFound') return { objects: [], commonPrefixes: [] };
        throw e;
      });
      for (const obj of page.objects) {
        if (obj.lastModified > cutoff) continue;
        const uri = `s3://${o.bucket}/${obj.key}`;
        if ((await isRecorded(obj.key, uri)) !== false) continue;
        o.signal?.throwIfAborted();
        await o.artifacts.delete({ bucket: o.bucket, key: obj.key });
        deleted.push(uri);
      }
      startAfter = page.nextStartAfter;
    } while (startAfter);
  }
  if (deleted.length) o.logger?.info({ bucket: o.bucket, count: deleted.length }, 'orphaned dataset objects deleted');
  return deleted;
}
