import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { endHostProcesses, hostMarker, readPidFile } from './end-job.js';
import { isAlive } from './proc.js';
import { processesOfUid } from './sandbox.js';

/** `<workDir>/<kind>/<name>/algo-N`: every host directory of every job under an executor's work directory. */
function hostDirs(workDir: string): string[] {
  const out: string[] = [];
  const list = (d: string) => {
    try {
      return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  };
  for (const kind of list(workDir)) {
    for (const name of list(join(workDir, kind))) {
      for (const host of list(join(workDir, kind, name))) if (/^algo-\d+$/.test(host)) out.push(join(workDir, kind, name, host));
    }
  }
  return out;
}

interface Proc {
  readonly pid: number;
  readonly args: readonly string[];
  readonly environ: Buffer;
}

/** Every live process but this one, with its arguments and environment (one pass over /proc for all hosts). */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const read = (file: string) => {
      try {
        return readFileSync(`/proc/${name}/${file}`);
      } catch {
        return Buffer.alloc(0); // gone, or not ours to read
      }
    };
    out.push({ pid: Number(name), args: read('cmdline').toString('utf8').split('\0'), environ: read('environ') });
  }
  return out;
}

/** What of one host still runs: its runner, the processes marked as its job's, its sandbox uid's (while its runner lives). */
function leftOf(hostDir: string, procs: readonly Proc[]): number[] {
  const pidFile = readPidFile(hostDir);
  const live = pidFile?.pid !== undefined && isAlive(pidFile.pid, pidFile.startTime);
  const jobFile = join(hostDir, 'job.json');
  const marker = Buffer.from(`LOAM_JOB_MARKER=${pidFile?.marker ?? hostMarker(hostDir)}\0`);
  return [
    ...procs.filter((p) => p.args.includes(jobFile) || p.environ.includes(marker)).map((p) => p.pid),
    ...(live ? [pidFile.pid as number] : []),
    ...(live && pidFile.childUid !== undefined ? processesOfUid(pidFile.childUid) : []),
  ].filter((pid) => isAlive(pid));
}

/**
 * Ends every job a test's server left running under `workDir` (`<data-dir>/jobs` by default) and
 * returns once none of their processes is left. Job runners are detached so that they outlive their
 * server (a restarted server adopts them), so stopping a test server leaves them running: a test that
 * removes its data directory would race them (ENOTEMPTY as a runner writes into its job folder) and
 * leave them on the machine. Each runner is killed, then its job's process group, its sandbox uid's
 * processes and every process carrying its job's marker, as a server does for a job it cannot adopt.
 * Call it only once the servers of that directory are stopped for good (a recovery test's restart
 * wants its runners alive). Throws, naming them, when processes are still there after `timeoutMs`.
 */
export async function endDetachedJobs(workDir: string, timeoutMs = 10_000): Promise<void> {
  const hosts = hostDirs(workDir);
  const t0 = Date.now();
  for (;;) {
    const procs = processes();
    const left = hosts.map((h) => [h, leftOf(h, procs)] as const).filter(([, pids]) => pids.length > 0);
    if (left.length === 0) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job processes still running after ${timeoutMs} ms: ${left.map(([h, pids]) => `${h}: ${pids.join(', ')}`).join('; ')}`);
    for (const [h] of left) endHostProcesses(h);
    await new Promise((r) => setTimeout(r, 50));
  }
}
