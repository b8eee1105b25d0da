import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { parseS3, upload, type Artifacts, type S3Ref } from './artifacts.js';
import { joinKey } from './outputs.js';
import { isOwnDir, ownerOf } from './own-files.js';
import { walkFiles } from './walk-files.js';

/** Tars a directory's contents (not the directory itself) into `<file>`, gzipped, as SageMaker's model.tar.gz is. */
async function tarDir(dir: string, file: string, root: string): Promise<void> {
  const entries = existsSync(dir) && isOwnDir(root, dir) ? readdirSync(dir) : [];
  // An empty directory still makes a valid (empty) archive: two zero blocks.
  if (entries.length === 0) writeFileSync(file, gzipSync(Buffer.alloc(1024)), { mode: 0o600 });
  else {
    // Only the job's own files: a hard link to one of root's is left out (links are kept as links).
    const owner = ownerOf(root);
    await tar.c({ gzip: true, file, cwd: dir, portable: true, follow: false, filter: (_path, st) => (st as { uid?: number }).uid === owner }, entries);
  }
}

/** What identifies the archive this runner finished writing: any other file at its path is rebuilt. */
interface Stamp {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

function stampOf(file: string): Stamp | undefined {
  try {
    const st = statSync(file);
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * One archive of a directory, uploaded once. Built into `<file>.partial` and renamed to `<file>` only when
 * whole, so a write cut short by a full disk is never taken for an archive (its blocks are freed at once);
 * a whole archive is kept while its upload waits for space and uploaded again as it is, not rebuilt: each
 * rebuild wrote the whole archive again, filling the disk anew every 2 s of the wait (2026-11-29). The
 * archive is reused only while it is the file this runner finished writing (same inode, size and mtime).
 */
class ArchiveUpload {
  private built: Stamp | undefined;
  private uploaded = false;

  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly ref: S3Ref,
    private readonly root: string,
  ) {}

  async run(store: Artifacts): Promise<void> {
    if (this.uploaded) return;
    const kept = this.built && stampOf(this.file);
    if (!kept || kept.ino !== this.built?.ino || kept.size !== this.built.size || kept.mtimeMs !== this.built.mtimeMs) {
      this.built = undefined;
      this.remove();
      const partial = `${this.file}.partial`;
      try {
        mkdirSync(dirname(partial), { recursive: true, mode: 0o700 });
        await tarDir(this.dir, partial, this.root);
        renameSync(partial, this.file);
      } catch (e) {
        rmSync(partial, { force: true });
        throw e;
      }
      this.built = stampOf(this.file);
    }
    await upload(store, this.ref, this.file, 'application/x-tar');
    this.uploaded = true;
    this.remove();
  }

  /** Whether a whole archive waits on disk for its upload. */
  get waiting(): boolean {
    return this.built !== undefined && !this.uploaded;
  }

  remove(): void {
    rmSync(this.file, { force: true });
    rmSync(`${this.file}.partial`, { force: true });
  }
}

/**
 * A training job's outputs: `model/` as `<S3OutputPath>/<job>/output/model.tar.gz` (an empty model
 * directory still makes an archive, as SageMaker does) and a non-empty `output/data/` as `output.tar.gz`
 * next to it, archived in the runner's scratch directory. {@link upload} may be called again after it
 * failed (whileDiskFull retries it): what was uploaded is not uploaded again, and a whole archive is
 * uploaded again without being rebuilt. {@link dispose} removes the scratch archives.
 */
export class TrainingOutputs {
  readonly modelUri: string;
  private readonly model: ArchiveUpload;
  private readonly output: ArchiveUpload;

  constructor(outputPath: string, jobName: string, private readonly root: string, modelDir: string, private readonly outputDataDir: string, scratch: string) {
    const base = parseS3(outputPath);
    const modelRef = { bucket: base.bucket, key: joinKey(base.key, jobName, 'output', 'model.tar.gz') };
    this.modelUri = `s3://${modelRef.bucket}/${modelRef.key}`;
    this.model = new ArchiveUpload(modelDir, join(scratch, 'model.tar.gz'), modelRef, root);
    this.output = new ArchiveUpload(outputDataDir, join(scratch, 'output.tar.gz'), { bucket: base.bucket, key: joinKey(base.key, jobName, 'output', 'output.tar.gz') }, root);
  }

  /** Uploads what is not uploaded yet; returns the model's URI. */
  async upload(store: Artifacts): Promise<string> {
    await this.model.run(store);
    if (isOwnDir(this.root, this.outputDataDir) && walkFiles(this.outputDataDir).length > 0) await this.output.run(store);
    return this.modelUri;
  }

  /** Removes the scratch archives (a give-up, a stop, the end of the job). */
  dispose(): void {
    this.model.remove();
    this.output.remove();
  }
}
