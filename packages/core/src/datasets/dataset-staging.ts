import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import type { ArtifactStore, ObjectInfo, ObjectRef } from '../ports/artifact-store.js';
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { parseS3Uri } from '../ports/artifact-store.js';
import type { Logger } from '../kernel/logger.js';

/** The staging cache's default budget (`dataEngine.stagingCacheSize`: 10GB). */
export const DEFAULT_STAGING_CACHE_BYTES = 10 * 1000 ** 3;

/** Bytes of a size such as `10GB` (powers of 1000, as DuckDB reads its memory limit) or `512MiB` (of 1024). */
export function byteSizeOf(size: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([KMGT])(i?)B|B)\s*$/.exec(size);
  if (!m) throw new ValidationError(`'${size}' is not a size such as 10GB or 512MiB.`, [{ path: '/size', message: 'expected a size' }]);
  const power = m[2] ? 'KMGT'.indexOf(m[2]) + 1 : 0;
  return Math.floor(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}

/** A staged file, held until `release`: the cache never evicts a file while a lease on it is held. */
export interface StagedFile {
  readonly path: string;
  readonly size: number;
  /** Ends this lease (idempotent). */
  release(): void;
}

export interface StagingOptions {
  /** Bytes the finished copies under `cache/` may take; past it the least recently used unleased ones go. */
  readonly budgetBytes?: number;
  readonly logger?: Logger;
}

/**
 * Copies objects from the artifact store to local files the data engine can read (it never reads the
 * network). A staged copy is cached under a digest of the object's identity and version — bucket, key,
 * ETag, size, last-modified time and recorded sha256 — so previewing a flow step after step stages
 * each dataset version once, and an object is never answered with another's bytes: objects written
 * to an S3 backend by other clients carry no sha256 (`''`), and a sha256 alone would be only as true
 * as whoever wrote the metadata.
 *
 * The cache is bounded: past `budgetBytes` the least recently used copies (by modification time, which a
 * hit refreshes, so the order survives a restart) are removed, never one a caller holds a lease on
 * (a running query, preview or import) nor one being copied. A transient copy (an import's source) is
 * removed once its last lease ends; {@link forget} removes the copies of a deleted object.
 */
export class DatasetStaging {
  /**
   * Copies in progress, shared by every caller staging the same version. A copy belongs to no one
   * request: each caller stops waiting on its own signal, and the copy is aborted only once every
   * caller waiting for it has gone (one client's hang-up or deadline must not fail the others).
   */
  private readonly inflight = new Map<string, SharedCopy>();

  /** Leases held, by cache path. */
  private readonly leases = new Map<string, number>();
  /** Paths to remove once their last lease ends (transient copies, copies of forgotten objects). */
  private readonly doomed = new Set<string>();
  /** Removals in progress: a stage of the same path waits for it, then copies afresh. */
  private readonly removing = new Map<string, Promise<void>>();
  private trimming: Promise<void> = Promise.resolve();
  readonly budgetBytes: number;

  constructor(private readonly artifacts: ArtifactStore, private readonly dir: string, private readonly options: StagingOptions = {}) {
    this.budgetBytes = options.budgetBytes ?? DEFAULT_STAGING_CACHE_BYTES;
  }

  /** A private temp path under the staging dir; the caller removes it. */
  async tempPath(suffix: string): Promise<string> {
    await mkdir(join(this.dir, 'tmp'), { recursive: true, mode: 0o700 });
    return join(this.dir, 'tmp', `${Date.now()}-${randomBytes(6).toString('hex')}${suffix}`);
  }

  /**
   * Stages `s3://…` and returns the local path and size under a lease: call `release` once done reading
   * it. `transient`: the copy is removed when its last lease ends (an import's source, read once).
   * @throws ResourceNotFound, ValidationException.
   */
  async stage(uri: string, field: string, signal?: AbortSignal, o: { transient?: boolean } = {}): Promise<StagedFile> {
    const ref = parseS3Uri(uri);
    if (!ref || ref.key === '' || ref.key.endsWith('/')) throw new ValidationError(`'${field}' must be an s3://bucket/key URI of one object; got '${uri}'.`, [{ path: `/${field}`, message: 'expected s3://bucket/key' }]);
    const info = await this.artifacts.head(ref);
    if (!info) throw new NotFoundError('Object', uri);
    const path = join(this.dir, 'cache', `${objectKeyOf(ref)}-${cacheKeyOf(info)}${extOf(ref)}`);
    const release = this.lease(path);
    if (o.transient) {
      if (!this.leasedElsewhere(path)) this.doomed.add(path);
    } else this.doomed.delete(path);
    try {
      await this.removing.get(path);
      const existing = await stat(path).catch(() => undefined);
      if (existing?.size === info.size) {
        const now = new Date();
        await utimes(path, now, now).catch(() => undefined); // most recently used
        return { path, size: info.size, release };
      }
      signal?.throwIfAborted();
      await waitFor(this.shared(path, (abort) => this.copy(info, path, abort)), signal);
      await this.trim();
      return { path, size: info.size, release };
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * A file derived from an object (a flow preview's sample of a dataset version), cached beside its
   * staged copies under the same budget, leases and sharing: `make` writes it once to the path it is
   * given, for every caller asking meanwhile (aborted once they have all gone), and it is renamed into
   * the cache only when complete (a crash leaves a `.part`, removed at start). `variant` names it
   * among the object's files and ends with its extension (`sample-<sha256>-50000.parquet`: say what it
   * is drawn from and how); {@link forget} of the object removes it too. Call `release` once done reading it.
   */
  async derive(uri: string, variant: string, make: (path: string, signal: AbortSignal) => Promise<void>, signal?: AbortSignal): Promise<StagedFile> {
    const ref = parseS3Uri(uri);
    if (!ref) throw new ValidationError(`'${uri}' is not an s3://bucket/key URI.`, [{ path: '/uri', message: 'expected s3://bucket/key' }]);
    const name = createHash('sha256').update(variant).digest('hex');
    const path = join(this.dir, 'cache', `${objectKeyOf(ref)}-${name}${/\.[A-Za-z0-9]{1,8}$/.exec(variant)?.[0] ?? ''}`);
    const release = this.lease(path);
    this.doomed.delete(path);
    try {
      await this.removing.get(path);
      let existing = await stat(path).catch(() => undefined);
      if (existing) {
        const now = new Date();
        await utimes(path, now, now).catch(() => undefined); // most recently used
        return { path, size: existing.size, release };
      }
      signal?.throwIfAborted();
      await waitFor(this.shared(path, (abort) => this.write(path, make, abort)), signal);
      existing = await stat(path);
      await this.trim();
      return { path, size: existing.size, release };
    } catch (e) {
      release();
      throw e;
    }
  }

  /** The copy or derivation in progress for `path`, started with `start` when there is none. */
  private shared(path: string, start: (abort: AbortSignal) => Promise<string>): SharedCopy {
    const c = this.inflight.get(path);
    // A copy every waiter left is being aborted: a new waiter starts afresh.
    if (c && !c.abort.signal.aborted) return c;
    const abort = new AbortController();
    const entry: SharedCopy = { done: start(abort.signal).finally(() => {
      entry.settled = true;
      if (this.inflight.get(path) === entry) this.inflight.delete(path);
    }), abort, waiters: 0, settled: false };
    entry.done.catch(() => undefined);
    this.inflight.set(path, entry);
    return entry;
  }

  /** Writes a derived file through a `.part` beside it; nothing is left when `make` fails. */
  private async write(path: string, make: (path: string, signal: AbortSignal) => Promise<void>, signal: AbortSignal): Promise<string> {
    await mkdir(join(this.dir, 'cache'), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${randomBytes(4).toString('hex')}.part`;
    try {
      await make(tmp, signal);
      signal.throwIfAborted();
      await rename(tmp, path);
      return path;
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Takes a lease on `path`; the function returned ends it. */
  private lease(path: string): () => void {
    this.leases.set(path, (this.leases.get(path) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const n = (this.leases.get(path) ?? 1) - 1;
      if (n > 0) {
        this.leases.set(path, n);
        return;
      }
      this.leases.delete(path);
      if (this.doomed.delete(path)) void this.serially(() => (this.leases.has(path) ? undefined : this.remove(path)));
      else void this.trim();
    };
  }

  /** Whether a lease other than the one just taken is held on `path`. */
  private leasedElsewhere(path: string): boolean {
    return (this.leases.get(path) ?? 0) > 1;
  }

  /** Removes a cache file no lease holds (the caller checked); a stage of it meanwhile waits, then copies afresh. */
  private remove(path: string): Promise<void> {
    const p = rm(path, { force: true }).catch((e: unknown) => this.options.logger?.warn({ path, err: e }, 'staged dataset copy not removed')).finally(() => {
      if (this.removing.get(path) === p) this.removing.delete(path);
    });
    this.removing.set(path, p);
    return p;
  }

  /**
   * Removes the least recently used finished copies no lease holds until the cache is within its
   * budget (called after each copy, as leases end, and at start). One trim at a time.
   */
  trim(): Promise<void> {
    return this.serially(() => this.trimOnce());
  }

  /** Runs `f` after the trims and removals queued before it; its failure is logged. */
  private serially(f: () => Promise<void> | undefined): Promise<void> {
    this.trimming = this.trimming.then(f).catch((e: unknown) => this.options.logger?.warn({ err: e }, 'staging cache trim failed'));
    return this.trimming;
  }

  private async trimOnce(): Promise<void> {
    const dir = join(this.dir, 'cache');
    const names = await readdir(dir).catch(() => [] as string[]);
    const files: { path: string; size: number; used: number; part: boolean }[] = [];
    for (const name of names) {
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (st?.isFile()) files.push({ path: join(dir, name), size: st.size, used: st.mtimeMs, part: name.endsWith('.part') });
    }
    let total = files.reduce((t, f) => t + f.size, 0);
    if (total <= this.budgetBytes) return;
    files.sort((a, b) => a.used - b.used);
    for (const f of files) {
      if (total <= this.budgetBytes) break;
      if (f.part || this.leases.has(f.path) || this.inflight.has(f.path) || this.removing.has(f.path)) continue;
      total -= f.size;
      await this.remove(f.path);
    }
  }

  /**
   * Removes the staged copies of an object (every version of it), for a dataset version or upload that
   * was deleted: at once when no lease holds them, else when the last lease ends.
   */
  async forget(uri: string): Promise<void> {
    const ref = parseS3Uri(uri);
    if (!ref) return;
    const prefix = `${objectKeyOf(ref)}-`;
    const dir = join(this.dir, 'cache');
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.startsWith(prefix) || name.endsWith('.part')) continue;
      const path = join(dir, name);
      if (this.leases.has(path) || this.inflight.has(path)) this.doomed.add(path);
      else await this.remove(path);
    }
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

/** The first part of a cache file's name: the object (bucket and key), whichever its version. */
function objectKeyOf(ref: ObjectRef): string {
  return createHash('sha256').update(JSON.stringify([ref.bucket, ref.key])).digest('hex').slice(0, 16);
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
