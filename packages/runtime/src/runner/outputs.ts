import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import * as tar from 'tar';
import { download, listAll, parseS3, safeRelative, upload, type Artifacts } from './artifacts.js';
import { ClientError, isMissingBucket } from './client-error.js';
import { isOwnDir, ownerOf } from './own-files.js';
import { walkFiles } from './walk-files.js';

function joinKey(prefix: string, ...parts: string[]): string {
  const base = prefix.replace(/\/+$/, '');
  return [base, ...parts].filter((p) => p !== '').join('/');
}

/** Tars a directory's contents (not the directory itself) into `<file>`, gzipped, as SageMaker's model.tar.gz is. */
async function tarDir(dir: string, file: string, root: string): Promise<void> {
  const entries = existsSync(dir) && isOwnDir(root, dir) ? readdirSync(dir) : [];
  // An empty directory still makes a valid (empty) archive: two zero blocks.
  if (entries.length === 0) writeFileSync(file, gzipSync(Buffer.alloc(1024)));
  else {
    // Only the job's own files: a hard link to one of root's is left out (links are kept as links).
    const owner = ownerOf(root);
    await tar.c({ gzip: true, file, cwd: dir, portable: true, follow: false, filter: (_path, st) => (st as { uid?: number }).uid === owner }, entries);
  }
}

/**
 * Uploads `model/` as `<S3OutputPath>/<job>/output/model.tar.gz` (an empty model directory still
 * makes an archive, as SageMaker does) and a non-empty `output/data/` as `output.tar.gz` next to it.
 * Returns the model's URI.
 */
export async function uploadTrainingOutputs(store: Artifacts, outputPath: string, jobName: string, root: string, modelDir: string, outputDataDir: string, scratch: string): Promise<string> {
  const base = parseS3(outputPath);
  const modelRef = { bucket: base.bucket, key: joinKey(base.key, jobName, 'output', 'model.tar.gz') };
  const modelTar = join(scratch, 'model.tar.gz');
  const outTar = join(scratch, 'output.tar.gz');
  // The archives are scratch: removed whatever happens, so a write cut short by a full disk frees its
  // blocks before the caller tries again (whileDiskFull), and the whole step can be repeated.
  try {
    await tarDir(modelDir, modelTar, root);
    await upload(store, modelRef, modelTar, 'application/x-tar');
    rmSync(modelTar, { force: true });
    if (isOwnDir(root, outputDataDir) && walkFiles(outputDataDir).length > 0) {
      await tarDir(outputDataDir, outTar, root);
      await upload(store, { bucket: base.bucket, key: joinKey(base.key, jobName, 'output', 'output.tar.gz') }, outTar, 'application/x-tar');
    }
  } finally {
    rmSync(modelTar, { force: true });
    rmSync(outTar, { force: true });
  }
  return `s3://${modelRef.bucket}/${modelRef.key}`;
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
    let n = 0;
    for (const o of objects) {
      const rel = safeRelative(o.key.slice(prefix.length));
      if (!rel) continue;
      await download(this.store, { bucket, key: o.key }, join(this.dir, rel), false, signal);
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
