import { lstat, mkdir, open, readFile, readdir, rmdir, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { validateBucketName } from '@loam/core';
import { DIR_MODE, FILE_MODE, JOURNAL_DIR, META_DIR, PROMOTE_NAME_FILE, fsyncDir, promotePath } from './local-fs-paths.js';
import { finishNamedPromotion, sweepTemps } from './local-fs-sidecar.js';
import { TEMP_PREFIX, tempIsAbandoned, tempName } from './local-fs-temp-names.js';

/*
 * The journal: `<root>/.loam-meta/.loam-journal/`, one small file per write or delete under way, made
 * before it leaves anything on disk and removed once it is done (ADR 0020). A kill leaves its entry, named
 * like a temp file after its writer (pid, start time, boot: see tempName), so the owner's next start
 * visits only what dead writers' entries name instead of walking every directory of every bucket.
 */

/** What one write or delete may leave behind, below the bucket on the data and the sidecar side alike. */
export interface Pending {
  readonly bucket: string;
  /** The file names of the key's directories (see splitKey): directories it may make or promote. */
  readonly dirs: readonly string[];
  /** The key's own file name, for a delete (its promotion may be finished, its directory pruned). */
  readonly name?: string;
  /** Temp files it may create in the key's directory (`<bucket>/<dirs…>/`), on either side. */
  readonly temps: readonly string[];
}

/** The file that tells a start the whole tree was walked once and left nothing no entry covers. */
const WALKED = 'walked';

export const journalDir = (root: string) => join(root, META_DIR, JOURNAL_DIR);

/**
 * Records `pending` before the caller makes anything; returns the function that removes the record,
 * to be called once what it names is in place or cleaned up. The entry is durable before it returns (its
 * content fsynced, then the journal directory holding its name): a temp the caller creates after may be
 * made durable by the file system at any moment (its writeback, or our own fsync of the temp, which on
 * btrfs or ext4 with fast_commit logs that file alone), and one whose entry a power loss took would be
 * left for good, named by nothing. Its removal is not fsynced: an entry that outlives its finished
 * operation costs the next start one visit of a path with nothing to clean.
 */
export async function recordPending(root: string, pending: Pending): Promise<() => Promise<void>> {
  const dir = journalDir(root);
  const path = join(dir, tempName());
  for (let attempt = 0; ; attempt++) {
    let fh: FileHandle;
    try {
      fh = await open(path, 'wx', FILE_MODE);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') return unjournaled(root, path);
      // Made at open; a first start's walk may remove it while it is empty. Its own creation needs no fsync: a
      // directory a power loss took holds no `walked` either, so the next start walks the whole tree.
      if (code !== 'ENOENT' || attempt === 3) throw e;
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
      continue;
    }
    try {
      await fh.writeFile(JSON.stringify(pending));
      await fh.sync();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      await fh.close().catch(() => {});
      if (code === 'ENOSPC' || code === 'EDQUOT') return unjournaled(root, path);
      await unlink(path).catch(() => {});
      throw e;
    }
    await fh.close();
    // Failed, the operation is refused; its entry, named after a live writer, would stay until this process ends.
    await fsyncDir(dir).catch(async (e: unknown) => {
      await unlink(path).catch(() => {});
      throw e;
    });
    return () => unlink(path).catch(() => {});
  }
}

/**
 * No room for the entry (a full disk, or quota): the operation goes on unrecorded, for a delete is how
 * room is made again, and a read's sidecar repair is optional. What a kill would leave is then found by
 * walking the whole tree: `walked` is removed first (an unlink needs no room), so the owner's next start
 * walks. The partial entry the refused write may have left is removed.
 */
async function unjournaled(root: string, path: string): Promise<() => Promise<void>> {
  await unlink(path).catch(() => {});
  const removed = await unlink(join(journalDir(root), WALKED)).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      return false;
    },
  );
  // Durable before the caller's temp, as an entry is (an fsync needs no room).
  if (removed) await fsyncDir(journalDir(root));
  return async () => {};
}

const plainName = (s: unknown): s is string =>
  typeof s === 'string' && s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\\') && !s.includes('\0');

/** A journal entry as written by recordPending, or undefined for anything else (a torn write, a stray file). */
function parsePending(text: string): Pending | undefined {
  try {
    const p = JSON.parse(text) as Partial<Pending>;
    validateBucketName(p.bucket as string);
    if (!Array.isArray(p.dirs) || !p.dirs.every(plainName)) return undefined;
    if (p.name !== undefined && !plainName(p.name)) return undefined;
    if (!Array.isArray(p.temps) || !p.temps.every((t) => plainName(t) && t.startsWith(TEMP_PREFIX))) return undefined;
    return p as Pending;
  } catch {
    return undefined;
  }
}

const isDir = async (path: string) => {
  const st = await lstat(path).catch(() => undefined);
  return st?.isDirectory() === true; // never a link
};

/**
 * Cleans what one dead writer's entry names, on one side (`base` is the bucket's directory there):
 * finishes the promotions along the key's path, removes name files a kill left, the entry's temps, then
 * every directory of the path left empty, deepest first. Touches the key's path only: O(its depth).
 */
async function sweepPath(base: string, pending: Pending): Promise<void> {
  const chain = pending.name === undefined ? pending.dirs : [...pending.dirs, pending.name];
  if (!(await isDir(base))) return;
  let reached = 0;
  for (const [i, seg] of chain.entries()) {
    const parent = join(base, ...chain.slice(0, i));
    const promote = promotePath(parent, seg);
    if (await isDir(promote)) await finishNamedPromotion(parent, promote.slice(parent.length + 1));
    const dir = join(parent, seg);
    if (!(await isDir(dir))) break;
    const named = join(dir, PROMOTE_NAME_FILE);
    if ((await lstat(named).catch(() => undefined))?.isFile()) await unlink(named).catch(() => {});
    reached = i + 1;
  }
  if (reached >= pending.dirs.length) {
    const dir = join(base, ...pending.dirs);
    for (const t of pending.temps) {
      if ((await lstat(join(dir, t)).catch(() => undefined))?.isFile()) await unlink(join(dir, t)).catch(() => {});
    }
  }
  for (let i = reached; i > 0; i--) {
    try {
      await rmdir(join(base, ...chain.slice(0, i)));
    } catch {
      break;
    }
  }
}

/**
 * The owner's start-up sweep. Once the whole tree has been walked (sweepTemps) and that walk left no
 * temp which no journal entry names (such as an older version's, or one whose writer lived then), a
 * start reads only the journal: each entry of a writer gone is cleaned (sweepPath) and removed, an entry
 * of a live writer (a runner still uploading) is kept. Its cost is the entries', not the objects'. Until
 * then (a data directory of an older version, never journaled), each start walks the tree as before.
 */
export async function sweepPending(root: string): Promise<void> {
  const dir = journalDir(root);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const live: Pending[] = [];
  for (const name of await readdir(dir)) {
    if (name === WALKED) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isFile()) continue;
    const pending = parsePending(await readFile(path, 'utf8').catch(() => ''));
    if (!tempIsAbandoned(name, st.mtimeMs)) {
      if (pending) live.push(pending);
      continue;
    }
    if (pending) {
      await sweepPath(join(root, pending.bucket), pending);
      await sweepPath(join(root, META_DIR, pending.bucket), pending);
    }
    await unlink(path).catch(() => {});
  }
  // The root's own temps: a case probe a kill cut off (see refuseCaseInsensitive). One entry per bucket.
  for (const name of await readdir(root)) {
    const st = name.startsWith(TEMP_PREFIX) ? await lstat(join(root, name)).catch(() => undefined) : undefined;
    if (st?.isFile() && tempIsAbandoned(name, st.mtimeMs)) await unlink(join(root, name)).catch(() => {});
  }
  if (await lstat(join(dir, WALKED)).catch(() => undefined)) return;
  // Never walked, or the last walk kept a temp no entry names: walk it all (as every start did before).
  const recorded = new Set<string>();
  for (const p of live) {
    for (const t of p.temps) for (const side of [join(root, p.bucket), join(root, META_DIR, p.bucket)]) recorded.add(join(side, ...p.dirs, t));
  }
  const { unrecorded } = await sweepTemps(root, recorded);
  if (unrecorded === 0) {
    await writeFile(join(dir, WALKED), '', { mode: FILE_MODE });
    await fsyncDir(dir);
  }
}
