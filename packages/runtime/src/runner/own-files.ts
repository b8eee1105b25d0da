import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The uid that owns the job's `/opt/ml` (the sandbox uid, or Loam's own without a sandbox). */
export function ownerOf(root: string): number {
  return statSync(root).uid;
}

/**
 * Opens, for the runner (root) to read, a file the job's image wrote under `root`: never through a link
 * at the end of the path, never a FIFO or a device, never a file of another owner than `root`'s (a hard
 * link to one of root's), and only if the opened file really lies under `root`
 * (a directory on the way replaced by a link is caught by where the open file is, `/proc/self/fd`). The
 * image runs as another uid and may have planted any of these to make the runner read Loam's files for
 * it. Returns the descriptor, or undefined when the file is missing or is not one of the job's own.
 */
export function openOwnFile(root: string, file: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    // A hard link to a file of root's (where the kernel allows one) is a regular file under the root.
    if (st.uid !== ownerOf(root)) throw new Error('not the job\'s');
    if (process.platform === 'linux') {
      const real = readlinkSync(`/proc/self/fd/${fd}`);
      const base = realpathSync(root);
      if (!real.startsWith(base + sep)) throw new Error('outside the job');
    }
    return fd;
  } catch {
    closeSync(fd);
    return undefined;
  }
}

/** The first `max` characters of a text file the job wrote (see {@link openOwnFile}), trimmed; undefined when empty or not the job's. */
export function readOwnText(root: string, file: string, max: number): string | undefined {
  const fd = openOwnFile(root, file);
  if (fd === undefined) return undefined;
  try {
    const buf = Buffer.alloc(max * 4);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const t = buf.subarray(0, n).toString('utf8').slice(0, max).trim();
    return t === '' ? undefined : t;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `dir` is a real directory under `root` with no link on the way: the image may have replaced
 * `model/` or an output directory with a link to somewhere only the runner can read. Checked once the
 * image's processes are gone, the answer holds; while they run, {@link openOwnFile} guards each file.
 */
export function isOwnDir(root: string, dir: string): boolean {
  const rel = relative(root, dir);
  if (rel.startsWith('..') || rel.startsWith(sep)) return false;
  try {
    if (!lstatSync(dir).isDirectory()) return false;
    return realpathSync(dir) === join(realpathSync(root), rel);
  } catch {
    return false;
  }
}
