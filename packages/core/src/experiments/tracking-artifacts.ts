import type { Readable } from 'node:stream';
import { echo } from '../kernel/echo.js';
import { isLoamError } from '../kernel/errors.js';
import { parseS3Uri, type ArtifactStore, type ObjectInfo, type ObjectRef } from '../ports/artifact-store.js';
import { validateBucketName, validateFilePath, validateKeyPrefix, validateObjectKey } from '../ports/artifact-keys.js';
import { invalid } from './tracking-rules.js';

/** The bucket MLflow's served artifacts live in, created on first write. */
export const MLFLOW_ARTIFACT_BUCKET = 'loam-mlflow';
/** `mlflow-artifacts:/<path>` is stored at `s3://loam-mlflow/mlflow/<path>`. */
export const MLFLOW_ARTIFACT_PREFIX = 'mlflow';

export interface ArtifactFile {
  /** Relative to the listed root (run artifacts) or the basename (proxy listing). */
  readonly path: string;
  readonly isDir: boolean;
  readonly fileSize?: number;
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

/**
 * Run artifacts in the artifact store. MLflow clients address them as `mlflow-artifacts:/<exp>/<run>/
 * artifacts/<path>` (through the server's proxy routes) or, for experiments created with an `s3://`
 * location, by that URI; both resolve to one object address here.
 */
export class TrackingArtifacts {
  constructor(
    readonly store: ArtifactStore,
    readonly bucket: string = MLFLOW_ARTIFACT_BUCKET,
  ) {}

  /** The address of an artifact URI plus an optional relative path; a key prefix when `path` is empty. */
  refFor(uri: string, path = ''): ObjectRef {
    const rel = trimSlashes(path);
    let base: ObjectRef | undefined;
    if (uri.startsWith('mlflow-artifacts:')) base = { bucket: this.bucket, key: `${MLFLOW_ARTIFACT_PREFIX}/${trimSlashes(uri.slice('mlflow-artifacts:'.length))}` };
    else base = parseS3Uri(uri);
    if (!base) throw invalid(`Artifact URI '${echo(uri)}' is not served by Loam; expected mlflow-artifacts:/… or s3://…`, '/artifact_uri');
    validateBucketName(base.bucket, '/artifact_uri');
    const key = [trimSlashes(base.key), rel].filter((s) => s !== '').join('/');
    return { bucket: base.bucket, key };
  }

  /**
   * The `artifactLocationKey` of every artifact location whose address holds `ref` (is its key or a folder
   * above it, the bucket included): `s3://<bucket>/<each such folder>` and, in the MLflow bucket, the
   * `mlflow-artifacts:/…` spelling of each folder under `mlflow/`. What an ExperimentStore's
   * `experimentsByArtifactLocation` is asked for: one key per folder, not one per experiment.
   */
  locationKeysHolding(ref: ObjectRef): string[] {
    const folders = [''];
    for (let i = ref.key.indexOf('/'); i >= 0; i = ref.key.indexOf('/', i + 1)) folders.push(ref.key.slice(0, i));
    folders.push(ref.key);
    const keys = new Set<string>();
    for (const f of folders) {
      keys.add(`s3://${ref.bucket}/${f}`);
      if (ref.bucket === this.bucket && (f === MLFLOW_ARTIFACT_PREFIX || f.startsWith(`${MLFLOW_ARTIFACT_PREFIX}/`))) keys.add(`mlflow-artifacts:/${f.slice(MLFLOW_ARTIFACT_PREFIX.length + 1)}`);
    }
    return [...keys];
  }

  /**
   * Checks an experiment's artifact location when the experiment is created (reliability.md S2): a URI
   * Loam serves (`mlflow-artifacts:/…` or `s3://bucket/prefix`) whose key prefix the artifact store
   * accepts, so `file:///etc/`, `/etc`, `http:///#/../..` or `s3://b/../..` are a 400 then, not later.
   */
  checkLocation(uri: string): void {
    let ref: ObjectRef;
    try {
      ref = this.refFor(uri);
    } catch {
      throw invalid(`Artifact location '${echo(uri)}' is not served by Loam; expected mlflow-artifacts:/… or s3://bucket/prefix.`, '/artifact_location');
    }
    if (ref.key !== '') validateKeyPrefix(`${ref.key}/`, '/artifact_location');
  }

  /** The address of a proxy path (`<exp>/<run>/artifacts/<file>`), checked for traversal. */
  proxyRef(path: string): ObjectRef {
    const ref = this.refFor('mlflow-artifacts:/', path);
    if (trimSlashes(path) === '') throw invalid('An artifact path is required.', '/path');
    validateObjectKey(ref.key, '/path');
    validateFilePath(ref.key, '/path');
    return ref;
  }

  /** One level of a folder: files with sizes and sub-folders, by name. */
  async list(prefix: ObjectRef, relativeTo: string): Promise<ArtifactFile[]> {
    const folder = prefix.key === '' ? '' : `${prefix.key}/`;
    validateKeyPrefix(folder, '/path');
    validateFilePath(folder, '/path', true);
    const out: ArtifactFile[] = [];
    let startAfter: string | undefined;
    try {
      for (;;) {
        const page = await this.store.list({ bucket: prefix.bucket, prefix: folder, delimiter: '/', ...(startAfter ? { startAfter } : {}) });
        // S3 keys may end with / or hold //, files may not: the folder's own marker (`<folder>/`) and the
        // empty names of `<folder>//…` are no artifacts, as in MLflow's listing of an S3 location.
        for (const p of page.commonPrefixes) if (p.length > folder.length + 1) out.push({ path: join(relativeTo, trimSlashes(p.slice(folder.length))), isDir: true });
        for (const o of page.objects) if (o.key.length > folder.length) out.push({ path: join(relativeTo, o.key.slice(folder.length)), isDir: false, fileSize: o.size });
        if (!page.nextStartAfter) break;
        startAfter = page.nextStartAfter;
      }
    } catch (e) {
      // No bucket yet: nothing was ever logged.
      if (isLoamError(e) && e.code === 'ResourceNotFound') return [];
      throw e;
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async put(ref: ObjectRef, body: Uint8Array | Readable, contentType?: string): Promise<ObjectInfo> {
    await this.store.ensureBucket(ref.bucket);
    return this.store.put(ref, body, contentType ? { contentType } : {});
  }

  get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: Readable }> {
    return this.store.get(ref);
  }

  async delete(ref: ObjectRef): Promise<void> {
    try {
      await this.store.delete(ref);
    } catch (e) {
      if (!(isLoamError(e) && e.code === 'ResourceNotFound')) throw e;
    }
  }
}

function join(a: string, b: string): string {
  return a === '' ? b : `${a}/${b}`;
}
