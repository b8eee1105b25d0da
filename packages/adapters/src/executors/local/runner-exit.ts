/**
 * The runner's exit code when it ends without its outcome written because the disk stayed full (sysexits'
 * EX_IOERR). Its own last words go to `runner.log`, on that full disk too, so the code alone may say it: the
 * executor names the full disk in the job's FailureReason from it (70, EX_SOFTWARE, is any other failure).
 */
export const RUNNER_EXIT_DISK_FULL = 74;
