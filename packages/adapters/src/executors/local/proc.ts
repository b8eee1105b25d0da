import { readdirSync, readFileSync } from 'node:fs';

// The executor's view of processes. The runtime has its own copy of these few lines: adapters may not
// import the runtime, and the runner must not depend on the server's code.

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Alive, not a zombie, and (when given) still the process that started at `startTime`. */
export function isAlive(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.charAt(stat.lastIndexOf(')') + 2) === 'Z') return false;
  } catch {
    return process.platform !== 'linux';
  }
  return startTime === undefined || processStartTime(pid) === startTime;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

/** SIGKILL to a group and to every process whose environment carries the job's marker. */
export function killMarked(pgid: number | undefined, marker: string): void {
  if (pgid !== undefined) signal(-pgid, 'SIGKILL');
  const needle = Buffer.from(`LOAM_JOB_MARKER=${marker}\0`);
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`).indexOf(needle) >= 0) signal(Number(name), 'SIGKILL');
    } catch {
      // gone or unreadable
    }
  }
}
