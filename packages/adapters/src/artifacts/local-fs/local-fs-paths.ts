import { lstat, mkdir, open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { NotFoundError, ValidationError } from '@loam/core';

/** The sidecar tree, beside the buckets; bucket names cannot start with a dot, so it never clashes. */
export const META_DIR = '.loam-meta';
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Where things live under the root: objects at `<root>/<bucket>/<key>`, their sidecars at
 * `<root>/.loam-meta/<bucket>/<key>`. Every path is built from already-validated names; the
 * functions here add the filesystem checks (no symlinks on the way, realpath stays under the root).
 */
export class LocalFsLayout {
  constructor(readonly root: string) {}

  bucketDir(bucket: string): string {
    return join(this.root, bucket);
  }

  metaBucketDir(bucket: string): string {
    return join(this.root, META_DIR, bucket);
  }

  /** Throws ResourceNotFound unless the bucket is a real directory (a symlinked bucket is not one). */
  async requireBucket(bucket: string): Promise<void> {
    const st = await lstat(this.bucketDir(bucket)).catch(() => undefined);
    if (!st?.isDirectory()) throw new NotFoundError('Bucket', bucket);
  }

  /** Throws unless `dir` resolves (symlinks and all) to a place under the root. */
  async assertContained(dir: string): Promise<void> {
    const real = await realpath(dir);
    if (real !== this.root && !real.startsWith(this.root + sep)) {
      throw new ValidationError('The object path resolves outside the artifact root; links are never followed.');
    }
  }

  /**
   * Walks `segments` below `base` (a bucket or sidecar-bucket directory), refusing symlinks and
   * files on the way. With `create`, makes missing directories (0700) and returns those it made, so
   * their parents can be fsynced; without, returns undefined when a directory is missing.
   */
  async walkDirs(base: string, segments: readonly string[], key: string, create: boolean): Promise<string[] | undefined> {
    const made: string[] = [];
    let dir = base;
    for (const seg of segments) {
      // Keys are validated before they get here; this keeps the walk inside even if a caller forgot.
      if (seg === '' || seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) {
        throw new ValidationError(`Object key '${key}' has a path segment that is not a plain name.`);
      }
      dir = join(dir, seg);
      let st = await lstat(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
        throw e;
      });
      if (!st) {
        if (!create) return undefined;
        try {
          await mkdir(dir, { mode: DIR_MODE });
          made.push(dir);
          continue;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          st = await lstat(dir);
        }
      }
      if (st.isSymbolicLink()) throw new ValidationError(`Object key '${key}' passes through a symbolic link; links are never followed.`);
      if (!st.isDirectory() && !create) return undefined; // nothing can live below a file
      if (!st.isDirectory()) throw new ValidationError(`Object key '${key}' conflicts with an object at a prefix of it: this store keeps keys as files and '/' as directories.`);
    }
    await this.assertContained(dir);
    return made;
  }
}

/** Splits a validated key into its directory segments and its file name. */
export function splitKey(key: string): { dirs: string[]; name: string } {
  const parts = key.split('/');
  const name = parts.pop() as string;
  return { dirs: parts, name };
}

/** fsyncs a directory so a rename or create inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
