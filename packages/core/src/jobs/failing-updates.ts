import type { ExecutorEvent } from '../ports/job-executor.js';
import type { Logger } from '../kernel/logger.js';

/** Longest wait between two tries of a job's update that keeps failing. */
const MAX_RETRY_MS = 30_000;
/** Failures after which a job's metric events are given up (its status and end only after {@link GiveUpAfter}). */
const METRIC_FAILURES = 3;

/**
 * When a job's update the store keeps refusing (other than as unavailable) is given up: after at least `failures`
 * failures in a row over at least `ms` since the first, both. A refusal that passes (an I/O error, a record that kept
 * changing) gets through long before; one that never does (a constraint, a trigger, a permission) is not tried every
 * 30 s for as long as the server runs.
 */
export interface GiveUpAfter {
  readonly failures: number;
  readonly ms: number;
}

/** 10 failures over 10 minutes: with the pause doubling from 1 s to 30 s, about 25 tries. */
export const defaultGiveUpAfter: GiveUpAfter = { failures: 10, ms: 10 * 60_000 };

/** What a failed write leaves to do: its events to try again, or, past {@link GiveUpAfter}, the events given up. */
export type FailedUpdate =
  | { readonly retry: ExecutorEvent[] }
  | { readonly givenUp: readonly ExecutorEvent[]; readonly failures: number; readonly forMs: number };

/**
 * A job's event writes that failed with an error other than ServiceUnavailable (which `StoreOutageLog`
 * covers). They are tried again with a growing pause (the retry interval, doubled each time, up to 30 s):
 * the first failure is logged as an error with its cause, later ones at debug, the write that got through
 * at info. A job's status and exit events are kept for as long as the server runs, since without them the
 * job would stay InProgress, until {@link GiveUpAfter}: then the caller is handed them to record the job's end some
 * other way. Its metric events are dropped after a few failures, with a warning, so a value the store refuses cannot
 * hold the job's end back.
 */
export class FailingUpdates {
  private readonly failures = new Map<string, { n: number; readonly since: number }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly logger: Logger,
    private readonly retryIntervalMs: number,
    private readonly now: () => number,
    private readonly giveUpAfter: GiveUpAfter = defaultGiveUpAfter,
  ) {}

  /** Notes a failed write of `events` for this job; returns the events to try again, or all of them given up. */
  failed(jobId: string, err: unknown, events: readonly ExecutorEvent[]): FailedUpdate {
    const f = this.failures.get(jobId) ?? { n: 0, since: this.now() };
    f.n++;
    this.failures.set(jobId, f);
    const n = f.n;
    const forMs = this.now() - f.since;
    if (n >= this.giveUpAfter.failures && forMs >= this.giveUpAfter.ms) return { givenUp: events, failures: n, forMs };
    if (n === 1) this.logger.error({ jobId, err }, 'job update failed; its events are kept and tried again');
    else this.logger.debug({ jobId, failures: n, reason: err instanceof Error ? err.message : String(err) }, 'job update failed again');
    if (n < METRIC_FAILURES) return { retry: [...events] };
    const kept = events.filter((e) => e.type !== 'metric');
    if (kept.length < events.length) this.logger.warn({ jobId, dropped: events.length - kept.length, failures: n }, 'job metric events dropped: the store kept refusing the update that carried them');
    return { retry: kept };
  }

  /** Runs `retry` once the pause for this job's failures has passed (one pending retry per job). */
  retryLater(jobId: string, retry: () => void): void {
    if (this.timers.has(jobId)) return;
    const n = this.failures.get(jobId)?.n ?? 1;
    const ms = Math.min(MAX_RETRY_MS, this.retryIntervalMs * 2 ** Math.min(n - 1, 16));
    const t = setTimeout(() => {
      this.timers.delete(jobId);
      retry();
    }, ms);
    this.timers.set(jobId, t);
  }

  /** This job's update went through: logs the recovery if it had failed. */
  written(jobId: string): void {
    const f = this.failures.get(jobId);
    if (f === undefined) return;
    this.failures.delete(jobId);
    this.logger.info({ jobId, failures: f.n }, 'job update written after failing');
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
