import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { killUid } from './sandbox.js';

// Processes of a job, as both the local executor (server side) and the runner (inside the job) see them.
// One copy: the runner imports this file by its subpath, which loads nothing else of the adapters.

/** The start time of a process (clock ticks since boot, field 22 of /proc/<pid>/stat); guards against pid reuse. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/**
 * The pid namespace of a process as the kernel names it, the text of the link `/proc/<pid>/ns/pid` (`pid:[<inode>]`);
 * undefined where it cannot be read (not Linux, the process gone or not ours to read). A pid names one process only
 * within its namespace. The one reader of that link: the credentials lock records the text, temp names the inode.
 */
export function pidNamespace(pid: number | 'self' = 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** The inode number of a process's pid namespace (the digits of pidNamespace), undefined where it cannot be read. */
export function pidNamespaceInode(pid: number | 'self' = 'self'): string | undefined {
  return /^pid:\[(\d+)\]$/.exec(pidNamespace(pid) ?? '')?.[1];
}

/** Whether `pid` is alive and is still the process that started at `startTime` (zombies count as gone). */
export function isAlive(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return false;
  } catch {
    return process.platform !== 'linux';
  }
  return startTime === undefined || processStartTime(pid) === startTime;
}

/** Sends a signal to a process group; a group that is gone is not an error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * Processes whose environment carries `LOAM_JOB_MARKER=<marker>`: every process a job started,
 * including ones that left its process group (setsid, double fork). Linux only; elsewhere empty.
 */
export function processesWithMarker(marker: string): number[] {
  const needle = Buffer.from(`LOAM_JOB_MARKER=${marker}\0`);
  return processesWhere('environ', (file) => file.indexOf(needle) >= 0);
}

/** Processes with `arg` as one of their command-line arguments (a runner by its job.json). Linux only; elsewhere empty. */
export function processesWithArg(arg: string): number[] {
  return processesWhere('cmdline', (file) => file.toString('utf8').split('\0').includes(arg));
}

/**
 * The processes running this Node binary with `arg` on their command line: a job's runner (`node … <job.json>`),
 * not an operator's `less <job.json>` or `tail -f`, which share the argument.
 */
export function nodeProcessesWithArg(arg: string): number[] {
  let self: string;
  try {
    self = realpathSync(process.execPath);
  } catch {
    self = process.execPath;
  }
  return processesWithArg(arg).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`) === self;
    } catch {
      return false;
    }
  });
}

/** Every process but this one whose `/proc/<pid>/<file>` passes `test` (a process gone, or not ours to read, does not). */
function processesWhere(file: 'environ' | 'cmdline', test: (content: Buffer) => boolean): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (test(readFileSync(`/proc/${name}/${file}`))) out.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/**
 * SIGKILLs the group, when the job ran as a sandbox uid of its own every process of that uid (which no
 * process can shed; see killUid), and every process still carrying the job's marker. A process forked after a sweep read
 * `/proc` but before its parent got the SIGKILL escapes that sweep, so the sweep repeats while it finds a
 * process it has not signalled yet (a process with a SIGKILL pending can fork no more; a few rounds suffice).
 */
export function killJobTree(pgid: number | undefined, marker: string | undefined, uid?: number): void {
  if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
  if (uid !== undefined) killUid(uid);
  const signalled = new Set<number>();
  for (let round = 0; round < 5; round++) {
    const fresh = (marker !== undefined ? processesWithMarker(marker) : []).filter((pid) => !signalled.has(pid));
    if (fresh.length === 0) return;
    for (const pid of fresh) {
      signalled.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

/** Sends a signal to one process; a process that is gone is not an error. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}
