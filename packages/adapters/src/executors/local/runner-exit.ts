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
