import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type pino from 'pino';

/**
 * Room kept on the data directory's disk for the server's own start. A running server answers writes on a
 * full disk with 503 naming it and keeps answering reads, but a start needs a little space of its own:
 * SQLite's shared-memory index (`-shm`, 32 KiB a database, removed at a clean stop) and the first pages of
 * its write-ahead log. So while there is room, `<data-dir>/.loam-disk-reserve` holds RESERVE_BYTES; a
 * start that finds less than that free gives it back first, and the next start with room takes it again.
 */
export const RESERVE_FILE = '.loam-disk-reserve';
export const RESERVE_BYTES = 8 * 1024 * 1024;

async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/**
 * Before the stores open, by the data directory's holder (after its lock, or when the lock itself found no
 * room): on a disk with less than the reserve free, removes the reserve and a reserve being written when
 * the last server stopped (logged). Another server's start must not take it: the room would go to the
 * running server's writes, and its own next start would find none. Returns whether anything was removed.
 */
export async function releaseReserveWhenFull(dataDir: string, log: pino.Logger): Promise<boolean> {
  const free = await freeBytes(dataDir).catch(() => undefined);
  if (free === undefined || free >= RESERVE_BYTES) return false;
  const path = join(dataDir, RESERVE_FILE);
  const removed = (await Promise.all([path, `${path}.tmp`].map((p) => rm(p).then(() => true, () => false)))).some(Boolean);
  log.warn({ dataDir, freeBytes: free, reserveReleased: removed }, "the data directory's disk is full: writes will fail with 503 until space is freed");
  return removed;
}

/**
 * Once serving: writes the reserve when it is missing and the disk has room for it four times over
 * (never the last of the space). Written whole under a temp name, then renamed; a failure leaves none.
 */
export async function keepReserve(dataDir: string, log: pino.Logger): Promise<void> {
  const path = join(dataDir, RESERVE_FILE);
  if (await stat(path).then(() => true, () => false)) return;
  if ((await freeBytes(dataDir).catch(() => 0)) < 4 * RESERVE_BYTES) return;
  const temp = `${path}.tmp`;
  try {
    const fh = await open(temp, 'w', 0o600);
    try {
      // Random bytes, not zeros: a compressing filesystem (ZFS with compression on, btrfs with compress)
      // stores a file of zeros in next to no blocks, and removing it would give back nothing.
      for (let written = 0; written < RESERVE_BYTES; ) {
        const chunk = randomBytes(Math.min(1024 * 1024, RESERVE_BYTES - written));
        written += (await fh.write(chunk, 0, chunk.length, written)).bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    log.debug({ dataDir, err: e }, 'disk reserve not written');
  }
}
