import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A small filesystem mounted for one test, to be filled to the last block and freed again. */
export interface SmallFs {
  /** The mount point. */
  readonly dir: string;
  /** `loop ext4` or `tmpfs`. */
  readonly kind: string;
  /** Writes a filler file until the filesystem refuses (ENOSPC); call again to top up what others freed. */
  fill(): void;
  /** Removes the filler. */
  free(): void;
  /** Unmounts and removes the scratch directory; safe to call twice. */
  dispose(): void;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * Mounts a `sizeMb` ext4 image on a loop device under `scratch` (a tmpfs when loop devices are not
 * available), or says why it cannot: mounting needs root on Linux.
 */
export function mountSmallFs(scratch: string, sizeMb: number): { fs: SmallFs } | { skip: string } {
  const cannot = process.platform !== 'linux' ? 'mounting a small filesystem needs Linux'
    : process.getuid?.() !== 0 ? 'mounting a small filesystem needs root (the test runs as a normal user)' : undefined;
  if (cannot) {
    rmSync(scratch, { recursive: true, force: true });
    return { skip: cannot };
  }
  const dir = join(scratch, 'mnt');
  mkdirSync(dir, { recursive: true });
  let kind: string;
  try {
    const img = join(scratch, 'fs.img');
    run('truncate', ['-s', `${sizeMb}M`, img]);
    // -m 0: no blocks reserved for root, so "full" is full for this (root) process too.
    run('mkfs.ext4', ['-q', '-F', '-m', '0', img]);
    run('mount', ['-o', 'loop', img, dir]);
    kind = 'loop ext4';
  } catch (loopError) {
    try {
      run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
      kind = 'tmpfs';
    } catch (tmpfsError) {
      rmSync(scratch, { recursive: true, force: true });
      return { skip: `cannot mount a small filesystem (loop: ${(loopError as Error).message.split('\n')[0]}; tmpfs: ${(tmpfsError as Error).message.split('\n')[0]})` };
    }
  }
  const filler = join(dir, 'filler');
  let mounted = true;
  return {
    fs: {
      dir,
      kind,
      fill() {
        const fd = openSync(filler, 'a');
        try {
          for (const size of [1 << 20, 4096, 512]) {
            const chunk = Buffer.alloc(size, 1);
            try {
              for (;;) writeSync(fd, chunk);
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
            }
          }
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      },
      free() {
        rmSync(filler, { force: true });
      },
      dispose() {
        if (mounted) {
          try {
            run('umount', [dir]);
          } catch {
            run('umount', ['-l', dir]); // something still holds a file open: detach it anyway
          }
          mounted = false;
        }
        rmSync(scratch, { recursive: true, force: true });
      },
    },
  };
}
