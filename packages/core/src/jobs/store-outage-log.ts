import type { Logger } from '../kernel/logger.js';

/**
 * Logs a job's writes that wait out a metadata store answering ServiceUnavailable (a database restarting, a
 * failover, a full disk): the first refusal as a warning with its error, each retry after it at debug level
 * only (they come every retry interval, for every job with something to write), and the write that got
 * through as info, with how long it waited. An outage logged an error with a stack trace per job and second.
 */
export class StoreOutageLog {
  private readonly waiting = new Map<string, { readonly since: number; retries: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly retryIntervalMs: number,
  ) {}

  /** The store refused this job's write as unavailable; it will be tried again. */
  refused(jobId: string, err: unknown): void {
    const w = this.waiting.get(jobId);
    if (!w) {
      this.waiting.set(jobId, { since: this.now(), retries: 0 });
      this.logger.warn({ jobId, err, retryIntervalMs: this.retryIntervalMs }, 'job update waits for the metadata store, which is unavailable; retrying until it answers');
      return;
    }
    w.retries++;
    this.logger.debug({ jobId, retries: w.retries, reason: err instanceof Error ? err.message : String(err) }, 'job update still waits for the metadata store');
  }

  /** This job's write went through: logs the recovery if it had waited. */
  written(jobId: string): void {
    const w = this.waiting.get(jobId);
    if (!w) return;
    this.waiting.delete(jobId);
    this.logger.info({ jobId, retries: w.retries, waitedMs: this.now() - w.since }, 'job update written: the metadata store answers again');
  }

  /** This job's write will not be tried again (it failed otherwise, or the server is closing). */
  dropped(jobId: string): void {
    this.waiting.delete(jobId);
  }
}
