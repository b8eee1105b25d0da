import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, killGroup, killJobTree, nodeProcessesWithArg, signal } from './proc.js';

/** What the runner writes to `runner.pid` in its host directory (the runtime's `PidFile`). */
export interface RunnerPidFile {
  readonly pid?: number;
  readonly startTime?: string;
  readonly childPgid?: number;
  readonly childUid?: number;
  readonly marker?: string;
}

export function readPidFile(hostDir: string): RunnerPidFile | undefined {
  try {
    return JSON.parse(readFileSync(join(hostDir, 'runner.pid'), 'utf8')) as RunnerPidFile;
  } catch {
    return undefined;
  }
}

/** The marker the runner puts in every job process's environment when runner.pid does not say it. */
export function hostMarker(hostDir: string): string {
  return Buffer.from(hostDir).toString('base64url');
}

/**
 * SIGKILLs whatever one host of a job still runs, known from its directory alone (no handle): its
 * runner, found by the `job.json` on the command line of a process of this Node binary, then the image's process group, its sandbox
 * uid's processes and every process carrying the job's marker.
 */
export function endHostProcesses(hostDir: string): void {
  // The image's group and sandbox uid the runner recorded are its own only while that runner lives:
  // once it is gone (a reboot, an earlier attempt's file) the numbers may be any other process's.
  // So they are read, and checked against the live runner, before the runner is killed.
  const pidFile = readPidFile(hostDir);
  const live = pidFile?.pid !== undefined && isAlive(pidFile.pid, pidFile.startTime);
  // The runner first (its own group: detached), so it starts nothing more; then whatever it started.
  // The runner runner.pid names (checked by its start time) is one even if its binary was replaced since.
  const runners = new Set([...(live ? [pidFile.pid as number] : []), ...nodeProcessesWithArg(join(hostDir, 'job.json'))]);
  for (const pid of runners) {
    killGroup(pid, 'SIGKILL');
    signal(pid, 'SIGKILL');
  }
  killJobTree(live ? pidFile.childPgid : undefined, pidFile?.marker ?? hostMarker(hostDir), live ? pidFile.childUid : undefined);
}
