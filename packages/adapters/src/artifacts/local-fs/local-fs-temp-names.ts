import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAlive, processStartTime } from '../../executors/local/proc.js';

export const TEMP_PREFIX = '.loam-tmp-';

/**
 * Who is writing: this boot (the first 8 hex digits of the kernel's boot id), this process's pid and its
 * start time (clock ticks since boot, /proc/<pid>/stat). A pid alone names a process only while it lives:
 * once its writer dies, the pid may be given to an unrelated process, which then looks like the writer.
 * The pid with its start time names one process for the life of the boot; the boot id tells boots apart,
 * since ticks since boot start again at a reboot. Undefined where /proc is not (not Linux).
 */
const writer: { readonly pid: number; readonly start: string; readonly boot: string } | undefined = (() => {
  const start = processStartTime(process.pid);
  const boot = bootId();
  return start !== undefined && /^\d+$/.test(start) && boot !== undefined ? { pid: process.pid, start, boot } : undefined;
})();

function bootId(): string | undefined {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').replace(/-/g, '').trim().slice(0, 8);
    return /^[0-9a-f]{8}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A temp name in the target's own directory, so the final rename stays on one filesystem:
 * `.loam-tmp-<pid>-<start>-<boot>-<random>`, or `.loam-tmp-<pid>-<random>` where the start time cannot be
 * read (the form every temp had before; a store of an older version reads the pid of either).
 */
export function tempName(): string {
  const random = randomBytes(8).toString('hex');
  return writer ? `${TEMP_PREFIX}${writer.pid}-${writer.start}-${writer.boot}-${random}` : `${TEMP_PREFIX}${process.pid}-${random}`;
}

const NAMED = /^\.loam-tmp-(\d+)-(\d+)-([0-9a-f]{8})-[0-9a-f]{16}$/;
const PID_ONLY = /^\.loam-tmp-(\d+)-/;

/**
 * Whether a temp file's writer is gone. A temp that names its writer's start and boot is abandoned when
 * it was written in an earlier boot, or when its pid is free or held by a process that started at
 * another time (the pid was reused): so a dead writer's temp goes at the next sweep whoever has its pid
 * since. A temp naming only a pid (written where the start time could not be read, or by an older
 * version) is abandoned when that pid is free, or is this process's own on a temp older than this process
 * (an earlier process had it: a container's pid 1 after a restart; its mtime, the last write, is never
 * before its creation); a reused pid keeps it until a sweep finds the pid free.
 *
 * A live writer's temp is kept whatever its age: a runner's upload or a PutObject whose client stalls may
 * go an hour and more without a write, so age is no sign of a dead writer. Only the data directory's
 * owner sweeps, at its start before serving, so none of its own writes is in flight.
 */
export function tempIsAbandoned(name: string, mtimeMs: number): boolean {
  const named = NAMED.exec(name);
  if (named) {
    const [, pid, start, boot] = named as unknown as [string, string, string, string];
    if (writer && boot !== writer.boot) return true;
    return !isAlive(Number(pid), start);
  }
  const pid = Number(PID_ONLY.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid)) return false;
  if (pid === process.pid) return mtimeMs < performance.timeOrigin;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
