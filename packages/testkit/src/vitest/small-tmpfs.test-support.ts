import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, truncateSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** Whether this process may mount a tmpfs (root on Linux). */
export const canMountTmpfs = process.platform === 'linux' && process.getuid?.() === 0;

export interface SmallTmpfs {
  readonly dir: string;
  /** Writes a filler file until the filesystem refuses (ENOSPC), to its last page. */
  fill(): void;
  /** {@link fill}, then frees `bytes` (whole pages) of the filler: that much room is left. */
  leave(bytes: number): void;
  /** Removes the filler. */
  free(): void;
  dispose(): void;
}

/** Unmounted after each test, also when it timed out before its own `finally`. */
const mounts: SmallTmpfs[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.dispose();
});

/** A `sizeMb` tmpfs under a fresh scratch directory (root only: see {@link canMountTmpfs}). */
export function smallTmpfs(sizeMb: number, prefix = 'loam-runner-full-'): SmallTmpfs {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  const dir = join(scratch, 'mnt');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  let mounted = true;
  const fs: SmallTmpfs = {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        for (const size of [1 << 20, 4096, 1]) {
          try {
            for (;;) writeSync(fd, Buffer.alloc(size, 1));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          }
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    leave(bytes) {
      fs.fill();
      truncateSync(filler, Math.max(0, statSync(filler).size - bytes));
    },
    free: () => rmSync(filler, { force: true }),
    dispose() {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir]); // a writer that timed out still holds its files open
      }
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  mounts.push(fs);
  return fs;
}
