import type { JobSpec, RunnerEvent, RunnerLogLine } from '@loam/contracts';

/**
 * What an executor remembers about a started job so that a restarted server can find it again (pids
 * and process start times for the local executor, pod names for Kubernetes). Opaque to core: it is
 * stored with the job and handed back to {@link JobExecutor.adopt}.
 */
export type JobHandle = Readonly<Record<string, unknown>>;

/** An event from a running job, as the executor relays it: the runner's events plus the host that sent them. */
export type ExecutorEvent = RunnerEvent & { readonly host: string };

/** Receives every event of every job the executor runs or has adopted, in order per job and host. */
export type ExecutorListener = (jobId: string, event: ExecutorEvent) => void;

/** A page of log lines and where to continue. */
export interface LogPage {
  readonly lines: readonly RunnerLogLine[];
  /** Opaque; pass back to continue after the last line returned. */
  readonly nextToken: string;
  /**
   * One token per line of `lines`, at that line: reading forward from it returns that line first. A line has the
   * same token however it is read (from whatever token, with whatever limit) and no two lines of a log share one,
   * so it names the line: what CloudWatch Logs' `eventId` is made of, which clients tell events apart by.
   */
  readonly starts: readonly string[];
}

/** A page of log lines read backwards ({@link JobExecutor.readLogsBackward}), and where it lies in the log. */
export interface LogTailPage {
  /** Oldest first: the last lines before the position read back from. */
  readonly lines: readonly RunnerLogLine[];
  /**
   * A `readLogs` token at the first line returned (reading forward from it returns these lines first); pass it as
   * `before` to read the lines before them. Absent when no line is before them.
   */
  readonly before?: string;
  /** The `readLogs` token after the last line returned: what `readLogs` gives once it has read that line. */
  readonly after: string;
}

/** How much work the executor can take at once. */
export interface ExecutorCapacity {
  /** Hosts (runner processes, pods) that may run at the same time. */
  readonly slots: number;
  /** Cores and memory of one host slot, for `SM_NUM_CPUS` and limits. */
  readonly cores: number;
  readonly memoryMiB: number;
  /** Whether `EnableNetworkIsolation` can be honoured; when false, isolated jobs fail with this reason. */
  readonly networkIsolation: { readonly supported: boolean; readonly reason?: string };
}

/**
 * Thrown by {@link JobExecutor.start} when the job cannot start for a reason of its own that a retry would meet
 * again: the disk its files go on is full. The job fails with `failureReason` (a `ClientError: …` that says what to
 * do), and is not retried under RetryStrategy, as SageMaker fails a job whose volume is full.
 */
export class JobStartRefusedError extends Error {
  override readonly name = 'JobStartRefusedError';

  constructor(readonly failureReason: string) {
    super(failureReason);
  }
}

/**
 * Runs jobs. Every executor starts the same runner (`@loam/runtime`) with the same {@link JobSpec},
 * so the SageMaker container contract is identical everywhere; executors differ only in where the
 * runner's processes live. Events arrive through {@link onEvent}; each host ends with exactly one
 * `exit` event, synthesized by the executor when the runner vanished without reporting one.
 *
 * Errors: `start` throws ResourceLimitExceeded when no slot is free (callers check {@link capacity}
 * and {@link used} first), {@link JobStartRefusedError} when the disk the job's files go on is full (the job's
 * ClientError, not retried) and InternalFailure when the runner cannot be started otherwise (a platform fault).
 */
export interface JobExecutor {
  readonly capacity: ExecutorCapacity;
  /** Host slots in use now. */
  used(): number;
  /** Starts one runner per host (`algo-1` … `algo-N`); resolves once they are started, with the handle to store. */
  start(jobId: string, spec: JobSpec): Promise<JobHandle>;
  /**
   * Takes over a job started before a restart: resumes relaying its events after `afterSeq` (per host,
   * so none is lost or repeated). Returns false when the executor does not know the handle (another
   * machine's job); a job whose processes are gone is not an error — its recorded events are replayed
   * and, if it never reported an outcome, a synthesized `exit` follows: a platform fault (`platformFault:
   * true`, retried under RetryStrategy) unless the job was being stopped (`Stopped`), the OOM killer ended it
   * (`OutOfMemoryError`) or the runner's exit code said its disk stayed full (`ClientError`; an adopted runner's
   * code is the one it recorded as it exited, as the local executor's runner does); none of these three is retried.
   */
  adopt(jobId: string, handle: JobHandle, afterSeq: Readonly<Record<string, number>>): Promise<boolean>;
  /**
   * Makes sure nothing of a job whose start was interrupted runs: a server that died between starting a
   * job's processes and storing its handle leaves them with nothing to adopt them by. Ends whatever of
   * the job still runs; a job with nothing left is not an error. Called by a restarted server before it
   * settles such a job (failed, or queued again under RetryStrategy).
   */
  discard(jobId: string): Promise<void>;
  /**
   * Stops a job: SIGTERM (or its equivalent) to every process of every host, then SIGKILL after the
   * grace period. Each host still ends with an `exit` event (`Stopped`). Stopping an unknown or
   * finished job is a no-op.
   */
  stop(jobId: string): Promise<void>;
  /** Log lines of a job (running or finished), from `token` on, at most `limit`. */
  readLogs(jobId: string, options: { readonly token?: string; readonly limit: number }): Promise<LogPage>;
  /**
   * Log lines of a job read backwards: the last `limit` whole lines before `before` (a token from `readLogs` or from
   * this method's `before`; the end of what is written so far when absent), oldest first. Costs what the page holds,
   * not the log (the newest events of a long log, GetLogEvents' default), so a page may hold fewer than `limit`
   * lines (a bounded read, about 1 MiB) while `before` says more are there. A line still being written is not read.
   * A job with no log reads as no lines, without `before`.
   * @throws ValidationException for a token this executor did not issue.
   */
  readLogsBackward(jobId: string, options: { readonly before?: string; readonly limit: number }): Promise<LogTailPage>;
  /**
   * Each host's newest log line's time (epoch ms), by host, as the log's writers recorded it while appending, so
   * without reading the log: what a host that fell quiet early last wrote costs this, not a read of the log back to
   * that line. A host is absent when no record of it is kept (a log written before records were, a full disk); its
   * time may be of a line written after a read of the log began. Optional: without it, readers read the log.
   */
  readLastLogTimes?(jobId: string): Promise<ReadonlyMap<string, number>>;
  /** Frees what a finished job left behind (its work directory), keeping its logs. */
  release(jobId: string): Promise<void>;
  onEvent(listener: ExecutorListener): void;
  /** Stops relaying events and releases resources; running jobs keep running (they are adopted after a restart). */
  close(): Promise<void>;
}
