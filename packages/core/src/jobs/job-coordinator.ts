import type { Clock } from '../kernel/clock.js';
import { ConflictError, isLoamError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { LoopFailureLog } from '../kernel/loop-failure-log.js';
import { JobStartRefusedError, type ExecutorEvent, type JobExecutor } from '../ports/job-executor.js';
import type { Collection, MetadataStore, Versioned } from '../ports/metadata-store.js';
import { applyEvents, clipReason, settle, withSecondary } from './job-events.js';
import { jobsCollection, type JobRecord } from './job.collections.js';
import { FailingUpdates, type FailedUpdate, type GiveUpAfter } from './failing-updates.js';
import { StoreOutageLog } from './store-outage-log.js';

export type { GiveUpAfter } from './failing-updates.js';

/** Told of a job whose end this server has just recorded (its record as written). */
export type JobEndListener = (job: JobRecord) => void;

export interface JobCoordinatorOptions {
  readonly store: MetadataStore;
  readonly executor: JobExecutor;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This server's identity among several sharing one database (hostname and work directory). */
  readonly node: string;
  /** How long events may wait before they are written (metrics, logs arrive in bursts). */
  readonly flushIntervalMs?: number;
  /** How soon events are written again after the store refused them as unavailable. */
  readonly retryIntervalMs?: number;
  /** When a job's update the store keeps refusing other than as unavailable is given up (10 failures over 10 minutes). */
  readonly giveUpAfter?: GiveUpAfter;
}

/**
 * Moves jobs from the queue to the executor and the executor's events into the job records. One per
 * server. Leasing is a compare-and-set on the record's version (queued → starting with this node's
 * name), so several servers sharing a database never start the same job twice, on SQLite or
 * PostgreSQL alike. Events are batched per job and applied in order; the per-host sequence number
 * stored with the record makes re-application after a restart a no-op.
 */
export class JobCoordinator {
  private readonly jobs: Collection<JobRecord>;
  private readonly pending = new Map<string, ExecutorEvent[]>();
  private readonly chains = new Map<string, Promise<void>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private closed = false;
  /** Nothing is scheduled before the first reconcile: capacity is only known once old jobs are re-adopted. */
  private started = false;
  private readonly outage: StoreOutageLog;
  /** Event writes that failed other than as unavailable: retried with backoff, given up only past GiveUpAfter. */
  private readonly failing: FailingUpdates;
  /**
   * Jobs whose end the store refused for good, with what was given up: a Failed end naming the store's error is being
   * written instead. If that is refused too, the store is unwell rather than refusing what the end carried: the job's
   * own end is tried again, so a store that recovers records the job's outcome, not the Failed end.
   */
  private readonly refusedEnds = new Map<string, readonly ExecutorEvent[]>();
  /** The Failed ends written in place of refused ones. */
  private readonly substitutes = new WeakSet<ExecutorEvent>();
  /**
   * The attempt (the record's `attempts`) an event was applied to when its write failed. A write reported as failed may
   * have been made: if it queued the job again (RetryStrategy), another attempt may have started before the retry, and
   * this attempt's events (its exit) must not be applied to that one.
   */
  private readonly attemptOf = new WeakMap<ExecutorEvent, number>();
  /** A scheduling pass fails every tick of a database outage: logged once, not as an error per tick. */
  private readonly passFailures: LoopFailureLog;
  private readonly endListeners: JobEndListener[] = [];

  constructor(private readonly o: JobCoordinatorOptions) {
    this.jobs = o.store.collection(jobsCollection);
    this.outage = new StoreOutageLog(o.logger, () => o.clock.now(), this.retryIntervalMs);
    this.failing = new FailingUpdates(o.logger, this.retryIntervalMs, () => o.clock.now(), o.giveUpAfter);
    this.passFailures = new LoopFailureLog(o.logger, 'job scheduling pass failed');
    o.executor.onEvent((id, e) => this.enqueue(id, e));
  }

  private now(): number {
    return this.o.clock.now() / 1000;
  }

  private get retryIntervalMs(): number {
    return this.o.retryIntervalMs ?? 1000;
  }

  private enqueue(id: string, e: ExecutorEvent): void {
    if (this.closed) return;
    const list = this.pending.get(id) ?? [];
    list.push(e);
    this.pending.set(id, list);
    if (e.type !== 'metric') this.schedule(id);
    else this.flushTimer ??= setTimeout(() => this.flushAll(), this.o.flushIntervalMs ?? 500);
  }

  private flushAll(): void {
    this.flushTimer = undefined;
    for (const id of [...this.pending.keys()]) this.schedule(id);
  }

  /** Runs `fn` after every earlier write for this job: one writer per job, no lost updates from this server. */
  private serial(id: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(fn).catch((err: unknown) => this.o.logger.error({ jobId: id, err }, 'job update failed'));
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  private schedule(id: string): Promise<void> {
    return this.serial(id, async () => {
      let events = this.pending.get(id);
      if (!events?.length) return;
      this.pending.delete(id);
      const seen: { attempts?: number } = {};
      try {
        await this.apply(id, events, seen);
        this.outage.written(id);
        this.failing.written(id);
        this.refusedEnds.delete(id);
      } catch (e) {
        if (this.closed) {
          this.outage.dropped(id);
          this.failing.dropped(id);
          throw e;
        }
        if (seen.attempts !== undefined) for (const ev of events) if (!this.attemptOf.has(ev)) this.attemptOf.set(ev, seen.attempts);
        const given = this.refusedEnds.get(id);
        if (given && events.some((ev) => this.substitutes.has(ev))) {
          // The Failed end was refused as well: the store refuses whatever is written, so it is not what the end carried
          // that it refuses. The job's own end is tried again (until given up once more, for good), not the Failed one
          // that a store recovering later would record in place of the job's outcome.
          this.o.logger.warn({ jobId: id, reason: e instanceof Error ? e.message : String(e) }, "job end: the Failed end written in place of a refused one was refused too; the job's own end is tried again");
          events = [...given, ...events.filter((ev) => !this.substitutes.has(ev))];
        }
        // The store cannot write now (a full disk, a database restarting): keep the events, ahead of any
        // that came meanwhile, and try again — dropping them would leave the job InProgress with no
        // process behind it. Re-applying is safe: events already recorded are skipped by sequence number.
        if (isLoamError(e) && e.code === 'ServiceUnavailable') {
          this.pending.set(id, [...events, ...(this.pending.get(id) ?? [])]);
          this.flushTimer ??= setTimeout(() => this.flushAll(), this.retryIntervalMs);
          // Logged here, once for the outage: serial() would log every retry as a failure.
          this.outage.refused(id, e);
          return;
        }
        // Any other failure (an I/O error the database does not call an outage, a record that kept changing):
        // a job's status and end are kept and tried again, less and less often, until GiveUpAfter (10 minutes).
        // Dropping them at once left the job InProgress until a restart (2026-11-29). Metrics alone may be what the store
        // refuses: after a few failures they are dropped, so they cannot hold the job's end back for good. A refusal
        // that never passes (a constraint, a trigger) is given up after GiveUpAfter, not retried every 30 s for good.
        const failed = this.failing.failed(id, e, events);
        if ('givenUp' in failed) {
          this.giveUp(id, e, failed);
          return;
        }
        const kept = failed.retry;
        if (kept.length === 0) {
          // Metrics alone were refused and are given up: nothing of this job is left to retry, so its failures end here
          // (a later passing fault starts a new count, not one that drops its metrics at once; no entry kept per job).
          this.failing.dropped(id);
          this.outage.dropped(id);
          return;
        }
        this.pending.set(id, [...kept, ...(this.pending.get(id) ?? [])]);
        this.failing.retryLater(id, () => void this.schedule(id));
      }
    });
  }

  /**
   * A job's events the store refused (other than as unavailable) past GiveUpAfter: dropped, with one error line saying
   * what they were. If they held the job's end, a Failed end naming the store's error is written in its place (what the
   * store refused may be in what the end carried: an exit message, a reason), through the same retries, so the job
   * ends and what it held is released. If that is given up too, the job keeps its status until a restart, when the
   * executor replays its end (its work directory is kept for that).
   */
  private giveUp(id: string, err: unknown, f: Extract<FailedUpdate, { givenUp: unknown }>): void {
    this.giveUpOnce(id, err, f);
    // The job's own end tried again after its Failed end was refused: given up now, for good.
    if (!this.pending.get(id)?.some((e) => this.substitutes.has(e))) this.refusedEnds.delete(id);
  }

  private giveUpOnce(id: string, err: unknown, f: Extract<FailedUpdate, { givenUp: unknown }>): void {
    this.failing.dropped(id);
    this.outage.dropped(id);
    const dropped: Record<string, number> = {};
    for (const e of f.givenUp) dropped[e.type] = (dropped[e.type] ?? 0) + 1;
    const exits = f.givenUp.filter((e) => e.type === 'exit');
    const fields = { jobId: id, err, failures: f.failures, forMs: f.forMs, dropped };
    if (exits.length === 0 || this.refusedEnds.has(id)) {
      this.o.logger.error(fields, exits.length === 0
        ? 'job update given up: the metadata store kept refusing it; its events are dropped'
        : 'job end given up: the metadata store refused it, and a Failed end too; the job keeps its status until the server restarts and replays its end');
      return;
    }
    this.refusedEnds.set(id, f.givenUp);
    this.o.logger.error(fields, "job update given up: the metadata store kept refusing it; its events are dropped and the job's end is recorded as Failed, naming the store's error");
    const why = (err instanceof Error ? err.message : String(err)).slice(0, 600).replace(/\.$/, '');
    const failureReason = `The job ended, but the metadata store refused to record its end for ${span(f.forMs)} (${f.failures} tries): ${why}. Its outcome, exit message and model artifacts were not recorded.`;
    // Each exit keeps its host and sequence number: applied once, and events after it still apply.
    const ends: ExecutorEvent[] = exits.map((e) => ({ type: 'exit', host: e.host, seq: e.seq, time: e.time, outcome: 'Failed', secondaryStatus: 'Failed', failureReason }));
    exits.forEach((e, i) => {
      const ended = ends[i] as ExecutorEvent;
      this.substitutes.add(ended);
      const attempt = this.attemptOf.get(e);
      if (attempt !== undefined) this.attemptOf.set(ended, attempt);
    });
    this.pending.set(id, [...ends, ...(this.pending.get(id) ?? [])]);
    void this.schedule(id);
  }

  /** Runs `fn` for this job again, every `retryIntervalMs`, while the store answers ServiceUnavailable (until closed). */
  private async whileUnavailable<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const v = await fn();
        this.outage.written(jobId);
        return v;
      } catch (e) {
        if (!(isLoamError(e) && e.code === 'ServiceUnavailable') || this.closed) {
          this.outage.dropped(jobId);
          throw e;
        }
        this.outage.refused(jobId, e);
        await new Promise((r) => setTimeout(r, this.retryIntervalMs));
      }
    }
  }

  /** Re-reads and retries on a version conflict (a Stop request may have written in between). */
  private async mutate(id: string, fn: (r: JobRecord) => JobRecord | undefined): Promise<JobRecord | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const cur = await this.jobs.get(id);
      if (!cur) return undefined;
      const next = fn(cur.value);
      if (!next || next === cur.value) return cur.value;
      try {
        return (await this.jobs.update(id, cur.version, next)).value;
      } catch (e) {
        if (!(e instanceof ConflictError) && !(isLoamError(e) && e.code === 'ConflictException')) throw e;
      }
    }
    throw new ConflictError(`Job '${id}' kept changing under the coordinator.`);
  }

  /** Applies `events` to the job's record; `seen.attempts` is the attempt they were applied to (the record read). */
  private async apply(id: string, all: readonly ExecutorEvent[], seen: { attempts?: number } = {}): Promise<void> {
    let action = 'wait' as 'stop-others' | 'retry' | 'finish' | 'wait';
    let recorded = false;
    let stale = 0;
    const written = await this.mutate(id, (r) => {
      seen.attempts = r.attempts;
      // Events of an earlier attempt (their write was made but reported as failed, and the job was queued again and
      // leased since): that attempt is settled; its events are not this one's, whose sequence numbers start afresh.
      const events = all.filter((e) => (this.attemptOf.get(e) ?? r.attempts) >= r.attempts);
      stale = all.length - events.length;
      // A write reported as failed may have been made (the connection dropped after COMMIT): read back, the job's end
      // from these very exits is there. It is released now, not left holding its work directory until a restart.
      recorded = r.phase === 'done' && events.some((e) => e.type === 'exit' && (r.eventSeq[e.host] ?? 0) >= e.seq);
      action = recorded ? 'finish' : 'wait';
      // Queued again by these very exits (RetryStrategy), the answer lost: the scheduling pass it asked for is asked now.
      const exit = events.find((e) => e.type === 'exit');
      if (r.phase === 'queued' && exit && this.attemptOf.get(exit) === r.attempts) action = 'retry';
      if (r.phase === 'done' || r.phase === 'queued') return undefined;
      const applied = applyEvents(r, events);
      // A Failed end written in place of a refused one is written GiveUpAfter (10 minutes) or more after the job ended:
      // the job ended when its runner did (TrainingEndTime, TrainingTimeInSeconds, BillableTimeInSeconds), not then.
      const substituted = events.filter((e) => this.substitutes.has(e)).map((e) => e.time / 1000);
      const endedAt = substituted.length ? Math.min(this.now(), Math.max(...substituted)) : undefined;
      const s = settle(applied, r.spec.instanceCount, endedAt ?? this.now());
      action = s.action;
      if (s.action === 'finish' && endedAt !== undefined) return { ...s.record, lastModifiedTime: Math.max(s.record.lastModifiedTime, this.now()) };
      return s.action === 'retry' || s.action === 'finish' ? s.record : applied;
    });
    if (stale) this.o.logger.info({ jobId: id, dropped: stale }, 'job events of an earlier attempt dropped: the write reported as failed was made, and the job was queued again and started since');
    if (recorded) this.o.logger.info({ jobId: id }, "job end found recorded by a write reported as failed; releasing the job's resources");
    if (action === 'stop-others') await this.o.executor.stop(id);
    if (action === 'finish') {
      await this.o.executor.release(id).catch((err: unknown) => this.o.logger.warn({ jobId: id, err }, 'job release failed'));
      if (written) this.ended(written);
      this.kick();
    }
    if (action === 'retry') this.kick();
  }

  /**
   * Calls `listener` with a job's record each time this server records the job's end: the executor's exit, a start
   * that failed, a stop of a queued job, a restart settling a job whose processes are gone. A tuning job's driver
   * listens, so its next trial starts when one ends, not at its next periodic pass. A listener is called synchronously
   * after the write and must not block; what it throws is logged, never the coordinator's. An end may be told twice
   * (a write reported as failed and found made): listeners treat it as a hint, not a count.
   */
  onJobEnded(listener: JobEndListener): void {
    this.endListeners.push(listener);
  }

  private ended(job: JobRecord): void {
    if (job.phase !== 'done') return;
    for (const l of this.endListeners) {
      try {
        l(job);
      } catch (err) {
        this.o.logger.warn({ jobId: job.id, err }, 'job end listener failed');
      }
    }
  }

  /** Asks for a scheduling pass soon (after a create, a stop or a finished job). */
  kick(): void {
    if (this.closed || !this.started) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
      if (this.tickAgain) {
        this.tickAgain = false;
        this.kick();
      }
    });
  }

  /** Waits for the scheduling pass in progress, if any (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.ticking) await this.ticking;
    await Promise.all([...this.chains.values()]);
  }

  /** One scheduling pass: lease queued jobs, oldest first, while the executor has free slots. */
  async tick(): Promise<void> {
    try {
      const page = await this.jobs.list({ filters: [{ field: 'phase', op: 'eq', value: 'queued' }], sortBy: 'creationTime', sortOrder: 'Ascending', maxResults: 50 });
      for (const { value, version } of page.items) {
        if (this.closed) return;
        const free = this.o.executor.capacity.slots - this.o.executor.used();
        if (value.spec.instanceCount > free) continue;
        await this.lease(value, version);
      }
      this.passFailures.succeeded();
    } catch (err) {
      this.passFailures.failed(err);
    }
  }

  private async lease(r: JobRecord, version: number): Promise<void> {
    const now = this.now();
    let claimed: Versioned<JobRecord>;
    try {
      const next = withSecondary({ ...r, phase: 'starting', node: this.o.node, attempts: r.attempts + 1, attemptStartTime: now, lastModifiedTime: now }, 'Starting', now);
      claimed = await this.jobs.update(r.id, version, next);
    } catch (e) {
      if (isLoamError(e) && (e.code === 'ConflictException' || e.code === 'ResourceNotFound')) return; // another server (or a stop) got there first
      throw e;
    }
    await this.serial(r.id, async () => {
      try {
        const spent = claimed.value.runtimeSpentSeconds ?? 0;
        const handle = await this.o.executor.start(r.id, spent > 0 ? { ...claimed.value.spec, runtimeSpentSeconds: spent } : claimed.value.spec);
        try {
          // The runner is going: its handle must reach the record. Failing the job over a database that
          // cannot write now left the runner running beside a Failed job (and a second one, under
          // RetryStrategy); so wait for the store, and end the runner only if the record cannot take it.
          await this.whileUnavailable(r.id, () => this.mutate(r.id, (cur) => (cur.phase === 'starting' ? { ...cur, phase: 'running', handle } : undefined)));
        } catch (err) {
          // Closing: the next start finds the job 'starting' with no handle, ends the runner and settles it.
          if (this.closed) return;
          await this.o.executor.discard(r.id).catch((e: unknown) => this.o.logger.warn({ jobId: r.id, err: e }, 'could not end a runner whose start was not recorded'));
          throw err;
        }
        const after = await this.whileUnavailable(r.id, () => this.jobs.get(r.id));
        if (after?.value.stopRequested) await this.o.executor.stop(r.id);
        this.o.logger.info({ jobId: r.id, attempt: claimed.value.attempts }, 'job started');
      } catch (err) {
        this.o.logger.error({ jobId: r.id, err }, 'job start failed');
        // The job's own fault (its disk is full): it fails saying so, not retried (a retry would meet the same disk).
        const refused = err instanceof JobStartRefusedError;
        const reason = clipReason(refused ? err.failureReason : `Loam could not start the job: ${err instanceof Error ? err.message : String(err)}`);
        // Waits for a store that cannot write now: on the full disk that refused the start (SQLite in the same data
        // directory), a refused write left the job Starting until a restart, which then failed it as a start the
        // server stopped (a platform fault, retried onto the same disk).
        let finished = false as boolean;
        const settled = await this.whileUnavailable(r.id, () => this.mutate(r.id, (cur) => {
          // Nothing ran: the attempt uses none of MaxRuntimeInSeconds.
          const s = settle({ ...cur, phase: 'running', exits: { 'algo-1': { outcome: 'Failed', secondaryStatus: 'Failed', failureReason: reason, platformFault: !refused } } }, 1, this.now(), cur.attemptStartTime);
          finished = s.action === 'finish';
          return s.action === 'retry' || s.action === 'finish' ? s.record : undefined;
        }));
        if (finished && settled) this.ended(settled);
      }
    });
  }

  /**
   * Stops a job. A queued job ends Stopped at once; a running one moves to Stopping and its processes
   * get SIGTERM, then SIGKILL after the grace period. Stopping a finished job is a no-op.
   */
  async stop(id: string): Promise<void> {
    const now = this.now();
    let finished = false as boolean;
    const r = await this.mutate(id, (cur) => {
      finished = false;
      if (cur.phase === 'done' || cur.stopRequested) return undefined;
      if (cur.phase === 'queued') {
        const s = settle({ ...cur, stopRequested: true, exits: { 'algo-1': { outcome: 'Stopped', secondaryStatus: 'Stopped' } } }, 1, now);
        finished = s.action === 'finish';
        return s.action === 'finish' ? s.record : undefined;
      }
      return { ...withSecondary(cur, 'Stopping', now), status: 'Stopping', stopRequested: true, lastModifiedTime: now };
    });
    if (finished && r) this.ended(r);
    if (r && r.phase !== 'done' && r.phase !== 'queued' && r.handle) await this.o.executor.stop(id);
  }

  /**
   * After a restart: re-adopts this node's running jobs (their recorded events are replayed from the
   * stored sequence numbers) and settles the ones whose processes are gone — failed with a reason, or
   * queued again under RetryStrategy. Jobs caught between lease and start are treated as never started.
   */
  async reconcile(): Promise<{ adopted: number; settled: number }> {
    let adopted = 0;
    let settled = 0;
    for (const phase of ['starting', 'running'] as const) {
      let token: string | undefined;
      do {
        const page = await this.jobs.list({ filters: [{ field: 'phase', op: 'eq', value: phase }], maxResults: 100, ...(token ? { nextToken: token } : {}) });
        for (const { value: r } of page.items) {
          if (r.node !== this.o.node) continue;
          const ok = r.handle ? await this.o.executor.adopt(r.id, r.handle, r.eventSeq).catch(() => false) : false;
          if (ok) {
            adopted++;
            if (r.stopRequested) await this.o.executor.stop(r.id);
            continue;
          }
          settled++;
          // Caught between lease and start: the executor may have started processes whose handle never
          // reached the record. They go first, or they would run on beside a failed or re-queued job.
          if (!r.handle) await this.o.executor.discard(r.id).catch((err: unknown) => this.o.logger.warn({ jobId: r.id, err }, 'could not end what an interrupted start left running'));
          const reason = r.handle
            ? 'The job\'s processes could not be found after the server restarted (the machine rebooted or they were killed); no outcome was reported.'
            : 'The server stopped while the job was being started.';
          let finished = false as boolean;
          const settledRecord = await this.mutate(r.id, (cur) => {
            finished = false;
            if (cur.phase === 'done' || cur.phase === 'queued') return undefined;
            // The runner's end is not known (it may have gone with the machine, hours ago): its attempt is charged up
            // to the last the server heard of it, not for the time the server was down. One never started: nothing.
            const ranUntil = cur.handle ? cur.lastModifiedTime : cur.attemptStartTime;
            const s = settle({ ...cur, exits: { 'algo-1': { outcome: cur.stopRequested ? 'Stopped' : 'Failed', secondaryStatus: cur.stopRequested ? 'Stopped' : 'Failed', failureReason: reason, platformFault: !cur.stopRequested } } }, 1, this.now(), ranUntil);
            finished = s.action === 'finish';
            return s.action === 'retry' || s.action === 'finish' ? s.record : undefined;
          });
          if (finished && settledRecord) this.ended(settledRecord);
        }
        token = page.nextToken;
      } while (token);
    }
    this.started = true;
    this.kick();
    return { adopted, settled };
  }

  /** Writes what is buffered and stops scheduling; running jobs keep running for the next start to adopt. */
  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.failing.cancelRetries();
    this.flushAll();
    this.closed = true;
    await this.idle();
  }
}

/** A span of time as a FailureReason says it: seconds under two minutes, else minutes. */
function span(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} minutes`;
}
