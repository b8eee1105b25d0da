import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { HeldLock } from './credentials-lock.js';

/**
 * Replaces `file` with `text` through a temporary file (a reader never sees half of it), durably: the admin is
 * committed after its credentials are written, so they must survive power loss. Mode 0600; a symbolic link (a
 * dotfile manager's) is kept and its target replaced, the temporary file made next to the target, and the target
 * keeps its mode. Asynchronous, so a slow disk holds up this write only, not the server's other requests. Right before
 * the rename, `held` is checked to be still this writer's lock (HeldLock.assertHeld): a writer whose lock was taken
 * over meanwhile fails (`ELOCKLOST`) and leaves the file as the new holder writes it. The check and the rename are two
 * steps: a lock can be taken over between them only when removed by hand, or untouched for staleMs (60 s) while its
 * heartbeat touches it every 5 s, so only by a holder that stalls for most of a minute right there (SIGSTOP, swap); a
 * rename then may overwrite the new holder's update, as any writer's could before the lock existed.
 */
export async function replaceFile(file: string, text: string, held: HeldLock): Promise<void> {
  const target = linkTarget(file);
  const mode = target !== file && existsSync(target) ? (await stat(target)).mode & 0o7777 : 0o600;
  const tmp = `${target}.tmp-${process.pid}`;
  // No part-written copy of the secrets is left beside the file, nor one a lost lock kept from being renamed.
  const discard = (e: unknown): Promise<never> => rm(tmp, { force: true }).then(() => Promise.reject(e));
  await writeDurably(tmp, text, mode).catch((e: unknown) => discard(unwritable(file, target, e)));
  await held.assertHeld().catch(discard);
  await rename(tmp, target).catch((e: unknown) => discard(unwritable(file, target, e)));
  await fsyncPath(dirname(target));
}

/** `e`, or for a symbolic link an error naming it and its target: `e` names only Loam's file beside the target, in a directory the user may not know Loam writes to. */
export function unwritable(file: string, target: string, e: unknown): unknown {
  if (target === file) return e;
  const why = (e as Error).message;
  return Object.assign(new Error(`Could not write the credentials file ${file}, a symbolic link to ${target} (${why}): Loam replaces the link's target through a lock file and a temporary file beside it. Make ${dirname(target)} exist and be writable for Loam, or replace the link with a file.`), { code: (e as NodeJS.ErrnoException).code, cause: e });
}

/** The file a chain of symbolic links at `file` ends at (which may not exist yet); `file` when it is no link. */
export function linkTarget(file: string): string {
  let path = file;
  for (let hops = 0; hops < 40; hops++) {
    try {
      if (!lstatSync(path).isSymbolicLink()) return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return path;
      throw e;
    }
    path = resolve(dirname(path), readlinkSync(path));
  }
  throw Object.assign(new Error(`${file}: too many levels of symbolic links`), { code: 'ELOOP' });
}

async function writeDurably(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(path, 'w', mode);
  try {
    await handle.chmod(mode); // a temporary file left by a crash keeps its own mode otherwise
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
