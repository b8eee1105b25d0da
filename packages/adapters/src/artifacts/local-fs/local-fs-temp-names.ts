import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { isAlive, pidNamespaceInode, processStartTime } from '../../executors/local/proc.js';

export const TEMP_PREFIX = '.loam-tmp-';

/**
 * Who is writing: this boot (the first 8 hex digits of the kernel's boot id), this process's pid and its
 * start time (clock ticks since boot, /proc/<pid>/stat). A pid alone names a process only while it lives:
 * once its writer dies, the pid may be given to an unrelated process, which then looks like the writer.
 * The pid with its start time names one process for the life of the boot; the boot id tells boots apart,
 * since ticks since boot start again at a reboot. Undefined where /proc is not (not Linux).
 */
const writer: { readonly pid: number; readonly start: string; readonly boot: string; readonly ns: string | undefined } | undefined = (() => {
  const start = processStartTime(process.pid);
  const boot = bootId();
  return start !== undefined && /^\d+$/.test(start) && boot !== undefined ? { pid: process.pid, start, boot, ns: pidNamespaceInode('self') } : undefined;
})();

/** The initial pid namespace's inode (the kernel's PROC_PID_INIT_INO): a process there sees every process. */
const INIT_PID_NS = '4026531836';

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
 * `.loam-tmp-<pid>-<start>-<boot>-n<pid namespace>-<random>` (`n…-` left out where the namespace cannot be
 * read), or `.loam-tmp-<pid>-<random>` where the start time cannot be read (the form every temp had before;
 * a store of an older version reads the pid of any).
 */
export function tempName(): string {
  const random = randomBytes(8).toString('hex');
  if (!writer) return `${TEMP_PREFIX}${process.pid}-${random}`;
  return `${TEMP_PREFIX}${writer.pid}-${writer.start}-${writer.boot}-${writer.ns === undefined ? '' : `n${writer.ns}-`}${random}`;
}

const NAMED = /^\.loam-tmp-(\d+)-(\d+)-([0-9a-f]{8})-(?:n(\d+)-)?[0-9a-f]{16}$/;
const PID_ONLY = /^\.loam-tmp-(\d+)-/;

/**
 * Whether a temp file's writer is gone. A temp that names its writer's start and boot is abandoned when
 * it was written in an earlier boot, or when its pid is free or held by a process that started at
 * another time (the pid was reused): so a dead writer's temp goes at the next sweep whoever has its pid
 * since. A pid names a process only in its own pid namespace: a writer of another is looked for by its
 * namespace where we can see it (see aliveInNamespace), by its pid in ours only where we cannot. A temp naming only a pid (written where the start time could not be read, or by an older
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
    const [, pid, start, boot, ns] = named as unknown as [string, string, string, string, string | undefined];
    if (writer && boot !== writer.boot) return true;
    if (ns === undefined || writer?.ns === undefined || ns === writer.ns) return !isAlive(Number(pid), start);
    return !(aliveInNamespace(ns, Number(pid), start) ?? isAlive(Number(pid), start));
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

/**
 * Whether the writer `pid` (as its own pid namespace `ns` numbers it) that started at `start` lives, seen
 * from another pid namespace, where its pid names some other process or none. It is looked for among the
 * processes we see (`/proc/<p>/ns/pid`, and the last pid of NSpid in `/proc/<p>/status`). Not found, it is
 * gone when we would see it: from the initial pid namespace (every process is seen), or when we see other
 * processes of its namespace (one below ours, seen whole). Otherwise undefined: nothing tells a namespace
 * that is gone (a container's before its restart, the common case, whose temps must go) from one beside or
 * above ours (the host's seen from a container); the caller then judges by the pid as before.
 */
function aliveInNamespace(ns: string, pid: number, start: string): boolean | undefined {
  let seen = false;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const p of entries) {
    if (pidNamespaceInode(Number(p)) !== ns) continue;
    seen = true;
    try {
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]?.trim().split(/\s+/);
      if (nspid !== undefined && Number(nspid[nspid.length - 1]) === pid && isAlive(Number(p), start)) return true;
    } catch {
      // gone meanwhile
    }
  }
  return seen || writer?.ns === INIT_PID_NS ? false : undefined;
}
