import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import type { ArtifactStore, ObjectInfo, ObjectRef } from '../ports/artifact-store.js';
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { parseS3Uri } from '../ports/artifact-store.js';

/**
 * Copies objects from the artifact store to local files the data engine can read (it never reads the
 * network). A staged copy is cached under a digest of the object's identity and version — bucket, key,
 * ETag, size, last-modified time and recorded sha256 — so previewing a flow step after step stages
 * each dataset version once, and an object is never answered with another's bytes: objects written
 * to an S3 backend by other clients carry no sha256 (`''`), and a sha256 alone would be only as true
 * as whoever wrote the metadata.
 */
export class DatasetStaging {
  /**
   * Copies in progress, shared by every caller staging the same version. A copy belongs to no one
   * request: each caller stops waiting on its own signal, and the copy is aborted only once every
   * caller waiting for it has gone (one client's hang-up or deadline must not fail the others).
   */
  private readonly inflight = new Map<string, SharedCopy>();

  constructor(private readonly artifacts: ArtifactStore, private readonly dir: string) {}

  /** A private temp path under the staging dir; the caller removes it. */
  async tempPath(suffix: string): Promise<string> {
    await mkdir(join(this.dir, 'tmp'), { recursive: true, mode: 0o700 });
    return join(this.dir, 'tmp', `${Date.now()}-${randomBytes(6).toString('hex')}${suffix}`);
  }

  /** Stages `s3://…` and returns the local path and size. @throws ResourceNotFound, ValidationException. */
  async stage(uri: string, field: string, signal?: AbortSignal): Promise<{ path: string; size: number }> {
    const ref = parseS3Uri(uri);
    if (!ref || ref.key === '' || ref.key.endsWith('/')) throw new ValidationError(`'${field}' must be an s3://bucket/key URI of one object; got '${uri}'.`, [{ path: `/${field}`, message: 'expected s3://bucket/key' }]);
    const info = await this.artifacts.head(ref);
    if (!info) throw new NotFoundError('Object', uri);
    const path = join(this.dir, 'cache', `${cacheKeyOf(info)}${extOf(ref)}`);
    const existing = await stat(path).catch(() => undefined);
    if (existing?.size === info.size) return { path, size: info.size };
    signal?.throwIfAborted();
    let c = this.inflight.get(path);
    // A copy every waiter left is being aborted: a new waiter starts afresh.
    if (!c || c.abort.signal.aborted) {
      const abort = new AbortController();
      const entry: SharedCopy = { done: this.copy(info, path, abort.signal).finally(() => {
        entry.settled = true;
        if (this.inflight.get(path) === entry) this.inflight.delete(path);
      }), abort, waiters: 0, settled: false };
      entry.done.catch(() => undefined);
      this.inflight.set(path, entry);
      c = entry;
    }
    await waitFor(c, signal);
    return { path, size: info.size };
  }

  /** Copies the object `info` describes; refuses (ConflictException) when it was replaced since. */
  private async copy(info: ObjectInfo, path: string, signal: AbortSignal): Promise<string> {
    await mkdir(join(this.dir, 'cache'), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${randomBytes(4).toString('hex')}.part`;
    const ref = { bucket: info.bucket, key: info.key };
    try {
      const { info: got, body } = await this.artifacts.get(ref, { signal });
      if (cacheKeyOf(got) !== cacheKeyOf(info)) {
        body.destroy();
        throw new ConflictError(`Object 's3://${ref.bucket}/${ref.key}' was replaced while it was being read; try again.`);
      }
      await pipeline(body, createWriteStream(tmp, { mode: 0o600 }), { signal });
      if ((await stat(tmp)).size !== info.size) throw new ConflictError(`Object 's3://${ref.bucket}/${ref.key}' was replaced while it was being read; try again.`);
      await rename(tmp, path);
      return path;
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
}

interface SharedCopy { readonly done: Promise<string>; readonly abort: AbortController; waiters: number; settled: boolean }

/**
 * Waits for a shared copy until it settles or `signal` aborts (then rejects with its reason); the
 * last waiter to leave before the copy settles aborts it.
 */
async function waitFor(c: SharedCopy, signal?: AbortSignal): Promise<void> {
  c.waiters++;
  let onAbort: (() => void) | undefined;
  try {
    if (!signal) {
      await c.done;
      return;
    }
    await Promise.race([c.done, new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    })]);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (--c.waiters === 0 && !c.settled) c.abort.abort(signal?.reason);
  }
}

/** The cache file's name for one version of one object. */
function cacheKeyOf(o: ObjectInfo): string {
  return createHash('sha256').update(JSON.stringify([o.bucket, o.key, o.etag, o.size, o.lastModified, o.sha256])).digest('hex');
}

/** Keeps the object's extensions (`.csv.gz`): only for readability of the staging dir. */
function extOf(ref: ObjectRef): string {
  const name = ref.key.slice(ref.key.lastIndexOf('/') + 1);
  const m = /(\.[A-Za-z0-9]{1,8}){1,2}$/.exec(name);
  return m ? m[0] : '';
}
