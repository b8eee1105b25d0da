import { lstat, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceUnavailableError } from '@loam/core';
import { FILE_MODE, SELF_NAME, finishPromotion, promotePath } from './local-fs-paths.js';
import { fileAt } from './local-fs-objects.js';

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;
/** How many times the other names of a removed object are looked for before its last name goes. */
const CHASES = 20;
const CHASE_WAIT_MS = 2;
/** How many times a lookup that found the object moved by a promotion is repeated (each one is a step of it). */
const LOOKUPS = 6;

/**
 * Test seam: `afterLookup` runs between a delete's lookup of the object's file and its look at that file,
 * the window a promotion in another process may step through (local-fs-delete-race.test.ts). Unset in use.
 */
export const removeSeams: { afterLookup?: (data: string) => Promise<void> } = {};

/**
 * Removes the object file of the entry `<dir>/<name>` (the file itself, or its SELF_NAME when the entry
 * is a directory) and every other name a promotion in another process gave it meanwhile. Returns the
 * path it removed, or undefined when there was no object (nothing, or only keys below the name).
 *
 * A plain unlink cannot tell what it removes: a promotion (promoteFile, perhaps in a runner, which the
 * commit lock does not hold off) may hard-link the file into `.loam-promote-<hash>/` between a delete's
 * lookup and its unlink, and then put that second name in place: the deleted object comes back. So the
 * file is first renamed onto `tomb`, a new empty temp file in `dir`: a rename replaces a file but fails
 * on a directory (ENOTDIR/EISDIR: the name was promoted since the lookup; look again), and from then on
 * no promotion can link the file any more (its name is gone). The names it may still have are the ones a
 * promotion gives: the promote directory's SELF_NAME, the entry itself, the entry's SELF_NAME; each that
 * holds the same inode is unlinked until the tomb is its only name (its link count is 1), then the tomb
 * goes. A kill leaves the tomb: a temp file of a dead writer, which the owner's next start removes.
 */
export async function removeObjectFile(dir: string, name: string, tombName: string): Promise<string | undefined> {
  const plain = join(dir, name);
  const tomb = join(dir, tombName);
  try {
    for (let attempt = 0; ; attempt++) {
      // An object a crash left in mid-promotion is put in place first, so that it is the one removed.
      await finishPromotion(dir, name);
      const data = await fileAt(plain);
      await removeSeams.afterLookup?.(data);
      const st = await lstat(data).catch(() => undefined);
      // A directory is a prefix, not an object; a link is removed itself (rename never follows it). But a
      // promotion in another process may have moved the object since finishPromotion looked: into its
      // promote directory (its step 2: the name is gone) or into the directory its name became (step 3,
      // between fileAt and this lstat). Answering "nothing here" then left it to come back.
      if (!st || st.isDirectory()) {
        if (await movedByPromotion(dir, name)) {
          if (attempt < LOOKUPS) continue;
          // Nothing is wrong with the request and S3's DeleteObject has no 409: the retryable 503 (SDKs back off
          // and ask again, by when the promotion has finished), not a ConflictException (a 400 no SDK retries).
          throw new ServiceUnavailableError('The object was being moved by a write below its key (in another process) while it was deleted; try again.');
        }
        return undefined;
      }
      const made = await writeFile(tomb, '', { flag: 'wx', mode: FILE_MODE }).then(
        () => true,
        (e: unknown) => {
          if (code(e) === 'EEXIST') return true;
          if (code(e) === 'ENOENT') return false; // the directory went: a concurrent delete removed the object and pruned it
          if (code(e) === 'ENOSPC' || code(e) === 'EDQUOT') return 'full' as const;
          throw e;
        },
      );
      if (!made) return undefined;
      try {
        // No room for even an empty tomb (a full directory block): unlinked by name, as before tombs, so
        // that a full disk can still be freed; only a promotion in another process at this instant can undo it.
        await (made === 'full' ? unlink(data) : rename(data, tomb));
      } catch (e) {
        // Moved since the lookup (promoted into the directory of its name, or on its way there): look again.
        // Gone since the lookup (deleted, or moved by a promotion): the next lookup tells which.
        if (['ENOENT', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(code(e) ?? '') && attempt < LOOKUPS) continue;
        throw e;
      }
      if (made !== 'full') await chaseOtherNames(dir, name, tomb);
      return data;
    }
  } finally {
    await unlink(tomb).catch(() => {});
  }
}

/**
 * Whether the object of `<dir>/<name>` is, after a look that found none, in one of the places a promotion
 * moves it through: its promote directory's SELF_NAME (steps 1–2), or the entry's SELF_NAME (step 3). The
 * object moves name → promote directory → entry's SELF_NAME; looked for at the name (the caller's look),
 * then in the promote directory, then at the entry's SELF_NAME, it is found at one of the three wherever
 * the promotion was between the looks.
 */
async function movedByPromotion(dir: string, name: string): Promise<boolean> {
  if (await lstat(join(promotePath(dir, name), SELF_NAME)).catch(() => undefined)) return true;
  return (await lstat(join(dir, name, SELF_NAME)).catch(() => undefined))?.isFile() === true;
}

/** Unlinks the names other than `tomb` that a promotion of `<dir>/<name>` gave the same file. */
async function chaseOtherNames(dir: string, name: string, tomb: string): Promise<void> {
  const places = [join(promotePath(dir, name), SELF_NAME), join(dir, name), join(dir, name, SELF_NAME)];
  for (let round = 0; round < CHASES; round++) {
    const st = await lstat(tomb, { bigint: true });
    if (st.nlink <= 1n || !st.isFile()) return;
    let found = false;
    for (const place of places) {
      const other = await lstat(place, { bigint: true }).catch(() => undefined);
      if (other?.isFile() && other.ino === st.ino && other.dev === st.dev) {
        await unlink(place).catch(() => {});
        found = true;
      }
    }
    // A name on its way between two places (a rename of the promote directory): look again shortly.
    // Links the store did not make (a hard link taken by hand elsewhere) are never found: left after CHASES.
    if (!found) await sleep(CHASE_WAIT_MS);
  }
}
