import type { ExecutorEvent } from '../ports/job-executor.js';
import type { Logger } from '../kernel/logger.js';

/** Longest wait between two tries of a job's update that keeps failing. */
const MAX_RETRY_MS = 30_000;
/** Failures after which a job's metric events are given up (its status and end never are). */
const METRIC_FAILURES = 3;

/**
 * A job's event writes that failed with an error other than ServiceUnavailable (which `StoreOutageLog`
 * covers). They are tried again with a growing pause (the retry interval, doubled each time, up to 30 s):
 * the first failure is logged as an error with its cause, later ones at debug, the write that got through
 * at info. A job's status and exit events are kept for as long as the server runs, since without them the
 * job would stay InProgress; its metric events are dropped after a few failures, with a warning, so a value
 * the store refuses cannot hold the job's end back.
 */
export class FailingUpdates {
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly logger: Logger,
    private readonly retryIntervalMs: number,
  ) {}

  /** Notes a failed write of `events` for this job; returns the events to try again. */
  failed(jobId: string, err: unknown, events: readonly ExecutorEvent[]): ExecutorEvent[] {
    const n = (this.failures.get(jobId) ?? 0) + 1;
    this.failures.set(jobId, n);
    if (n === 1) this.logger.error({ jobId, err }, 'job update failed; its events are kept and tried again');
    else this.logger.debug({ jobId, failures: n, reason: err instanceof Error ? err.message : String(err) }, 'job update failed again');
    if (n < METRIC_FAILURES) return [...events];
    const kept = events.filter((e) => e.type !== 'metric');
    if (kept.length < events.length) this.logger.warn({ jobId, dropped: events.length - kept.length, failures: n }, 'job metric events dropped: the store kept refusing the update that carried them');
    return kept;
  }

  /** Runs `retry` once the pause for this job's failures has passed (one pending retry per job). */
  retryLater(jobId: string, retry: () => void): void {
    if (this.timers.has(jobId)) return;
    const n = this.failures.get(jobId) ?? 1;
    const ms = Math.min(MAX_RETRY_MS, this.retryIntervalMs * 2 ** Math.min(n - 1, 16));
    const t = setTimeout(() => {
      this.timers.delete(jobId);
      retry();
    }, ms);
    this.timers.set(jobId, t);
  }

  /** This job's update went through: logs the recovery if it had failed. */
  written(jobId: string): void {
    const n = this.failures.get(jobId);
    if (n === undefined) return;
    this.failures.delete(jobId);
    this.logger.info({ jobId, failures: n }, 'job update written after failing');
  }

  /** This job's events will not be tried again (the server is closing, or all that failed was given up). */
  dropped(jobId: string): void {
    this.failures.delete(jobId);
    const t = this.timers.get(jobId);
    if (t) clearTimeout(t);
    this.timers.delete(jobId);
  }

  /** Cancels every pending retry (closing). */
  cancelRetries(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
