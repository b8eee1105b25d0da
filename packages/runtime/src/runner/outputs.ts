import { statSync } from 'node:fs';
import { join } from 'node:path';
import { download, listAll, parseS3, safeRelative, upload, type Artifacts } from './artifacts.js';
import { ClientError, isMissingBucket } from './client-error.js';
import { isOwnDir } from './own-files.js';
import { refuseFileDirectoryClash } from './stage-inputs.js';
import { walkFiles } from './walk-files.js';

/** `prefix/part/…` with one `/` between parts (a prefix's trailing slashes dropped). */
export function joinKey(prefix: string, ...parts: string[]): string {
  const base = prefix.replace(/\/+$/, '');
  return [base, ...parts].filter((p) => p !== '').join('/');
}

/**
 * What SageMaker's uploader leaves out of checkpoints and outputs: a name ending in `.sagemaker-ignore`,
 * or anything under a directory so named (where images write temporary files before renaming them).
 */
function uploadable(rels: readonly string[]): string[] {
  return rels.filter((rel) => !rel.split('/').some((part) => part.endsWith('.sagemaker-ignore')));
}

/**
 * Uploads every regular file under `dir` to `<s3Uri>/<relative path>`; returns how many. `dir` and its
 * files are the image's, under the job's `root`, and are read only as its own (see own-files).
 */
export async function uploadTree(store: Artifacts, dir: string, s3Uri: string, root: string): Promise<number> {
  const base = parseS3(s3Uri);
  if (!isOwnDir(root, dir)) return 0;
  let n = 0;
  for (const rel of uploadable(walkFiles(dir))) if (await upload(store, { bucket: base.bucket, key: joinKey(base.key, rel) }, join(dir, rel), undefined, root)) n++;
  return n;
}

/**
 * Keeps `checkpoints/` and `CheckpointConfig.S3Uri` in step: `restore` copies the stored checkpoints
 * in before the job starts (so a restarted or retried job resumes), `sync` uploads files that are new
 * or changed since the last sync and deletes from S3 the ones the image deleted (as SageMaker does: "if
 * a checkpoint is deleted in the container, it will also be deleted in the S3 folder"), run periodically
 * and at the end; a sync asked for while one runs waits for it and runs once more.
 */
export class CheckpointSync {
  /** Relative path → `size:mtime` of each file S3 holds as this job left it (restored or uploaded). */
  private readonly uploaded = new Map<string, string>();
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Artifacts,
    private readonly dir: string,
    private readonly s3Uri: string,
    /** The job's `/opt/ml`: the checkpoint files are the image's, read only as its own (see own-files). */
    private readonly root: string,
  ) {}

  async restore(signal?: AbortSignal): Promise<number> {
    const { bucket, key } = parseS3(this.s3Uri);
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    // A bucket that does not exist is the user's to create, as for every output (see upload).
    const objects = await listAll(this.store, bucket, prefix, signal).catch((e: unknown) => {
      if (isMissingBucket(e)) throw new ClientError(`CheckpointConfig.S3Uri '${this.s3Uri}': the bucket '${bucket}' does not exist (NoSuchBucket); Loam does not create it: create it before the job starts.`);
      throw e;
    });
    const files = objects.flatMap((o) => {
      const rel = safeRelative(o.key.slice(prefix.length));
      return rel ? [{ bucket, key: o.key, rel }] : [];
    });
    // `p` beside `p/q` (S3 holds both; so does the local store since ADR 0020) cannot both be files.
    refuseFileDirectoryClash(`CheckpointConfig.S3Uri '${this.s3Uri}'`, files, 'CheckpointConfig.S3Uri');
    let n = 0;
    for (const { key: objectKey, rel } of files) {
      await download(this.store, { bucket, key: objectKey }, join(this.dir, rel), false, signal);
      const st = statSync(join(this.dir, rel));
      this.uploaded.set(rel.split('\\').join('/'), `${st.size}:${st.mtimeMs}`);
      n++;
    }
    return n;
  }

  /** Uploads new and changed files, deletes vanished ones; returns how many objects it wrote or deleted. */
  async sync(): Promise<number> {
    while (this.running) await this.running.catch(() => 0);
    this.running = this.syncOnce();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async syncOnce(): Promise<number> {
    const base = parseS3(this.s3Uri);
    if (!isOwnDir(this.root, this.dir)) return 0;
    let n = 0;
    const present = new Set(uploadable(walkFiles(this.dir)));
    for (const rel of present) {
      let st;
      try {
        st = statSync(join(this.dir, rel));
      } catch {
        present.delete(rel);
        continue;
      }
      const stamp = `${st.size}:${st.mtimeMs}`;
      if (this.uploaded.get(rel) === stamp) continue;
      if (!(await upload(this.store, { bucket: base.bucket, key: joinKey(base.key, rel) }, join(this.dir, rel), undefined, this.root))) continue;
      this.uploaded.set(rel, stamp);
      n++;
    }
    for (const rel of [...this.uploaded.keys()]) {
      if (present.has(rel)) continue;
      await this.store.delete({ bucket: base.bucket, key: joinKey(base.key, rel) });
      this.uploaded.delete(rel);
      n++;
    }
    return n;
  }
}
