import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The runner's exit code when it ends without its outcome written because the disk stayed full (sysexits'
 * EX_IOERR). Its own last words go to `runner.log`, on that full disk too, so the code alone may say it: the
 * executor names the full disk in the job's FailureReason from it (70, EX_SOFTWARE, is any other failure).
 */
export const RUNNER_EXIT_DISK_FULL = 74;

/**
 * The runner's exit codes when it had stopped the job at a StoppingCondition limit and then could not write that
 * outcome, the disk being full: the limit ended the job (Stopped, with this SecondaryStatus, as SageMaker reports
 * it), not the full disk, which the job would otherwise fail on as {@link RUNNER_EXIT_DISK_FULL} says.
 */
export const RUNNER_EXIT_LIMIT_DISK_FULL = { MaxRuntimeExceeded: 75, MaxWaitTimeExceeded: 76 } as const;

export type StoppingLimit = keyof typeof RUNNER_EXIT_LIMIT_DISK_FULL;

/** The limit a runner's exit code says had stopped the job before its outcome could not be written. */
export function limitOfExit(code: number | null): StoppingLimit | undefined {
  for (const [limit, c] of Object.entries(RUNNER_EXIT_LIMIT_DISK_FULL)) if (c === code) return limit as StoppingLimit;
  return undefined;
}

/**
 * In a host's directory: the runner's exit code, which it records there as it exits. Only the server that spawned a
 * runner learns its exit code; one that adopted it after a restart reads this file instead, so a disk-full or limit
 * exit ({@link RUNNER_EXIT_DISK_FULL}, {@link RUNNER_EXIT_LIMIT_DISK_FULL}) ends the job as it would have for its
 * first server, not as a runner that vanished (a retried InternalServerError). Those exits happen on a full disk:
 * the executor reserves the file's bytes before it starts the runner, and the runner writes over them in place
 * (one write of already-allocated bytes), which needs no new space on the file systems Loam's data directory lives on.
 */
export const RUNNER_EXIT_FILE = 'runner-exit';

/** The bytes reserved: spaces, which read as no exit recorded; a record is a short JSON line written over them. */
const reservedBytes = 512;

/** Writes the reservation (before the runner starts: the disk may fill while it runs). Throws what the disk says. */
export function reserveRunnerExit(hostDir: string): void {
  writeFileSync(join(hostDir, RUNNER_EXIT_FILE), Buffer.alloc(reservedBytes, ' '), { mode: 0o600 });
}

/**
 * Opens the reservation as the runner starts, or undefined when there is none (a runner started by hand). The runner
 * records its code through this descriptor: a RetryStrategy attempt may start as soon as the ended runner's outcome is
 * relayed, making the host directory anew with a reservation of its own while that runner still finishes, and a file
 * opened by its path at the exit was that next attempt's.
 */
export function openRunnerExit(hostDir: string): number | undefined {
  try {
    return openSync(join(hostDir, RUNNER_EXIT_FILE), 'r+');
  } catch {
    return undefined;
  }
}

/**
 * Records the runner's exit code over the reservation `fd` ({@link openRunnerExit}) and closes it, in one write from
 * its start: a write cut short leaves a line that is not whole JSON, which reads as nothing recorded. Never throws
 * (the exit code itself still says it).
 */
export function recordRunnerExit(fd: number | undefined, code: number): void {
  if (fd === undefined) return; // no reservation: only the exit code says it
  try {
    const record = Buffer.from(`${JSON.stringify({ exitCode: code })}\n`);
    writeSync(fd, Buffer.concat([record, Buffer.alloc(Math.max(0, reservedBytes - record.length), ' ')]), 0, Math.max(reservedBytes, record.length), 0);
  } catch {
    // no longer writable: only the exit code says it
  } finally {
    try {
      closeSync(fd);
    } catch {
      // the process is exiting: its descriptors close with it
    }
  }
}

/** The exit code the host's runner recorded, or undefined when it recorded none (killed, crashed, still running). */
export function readRunnerExit(hostDir: string): number | undefined {
  try {
    const text = readFileSync(join(hostDir, RUNNER_EXIT_FILE), 'utf8').trim();
    if (text === '') return undefined;
    const code = (JSON.parse(text) as { exitCode?: unknown }).exitCode;
    return Number.isInteger(code) ? (code as number) : undefined;
  } catch {
    return undefined;
  }
}
