import type { Logger, MetadataStore, Partition, TagService } from '@loam/core';
import { LoopFailureLog, systemClock } from '@loam/core';
import { TuningJobService, TuningOrchestrator } from '@loam/core/tuning/index';
import type { JobsCapability } from '../jobs/jobs.compose.js';
import { mlTuningEngine } from './ml-tuning-engine.js';

/** Tuning jobs as the platform holds them: the operations' service and the driver that runs them. */
export interface TuningCapability {
  readonly service: TuningJobService;
  readonly orchestrator: TuningOrchestrator;
  readonly driver: TuningDriver;
  close(): Promise<void>;
}

/**
 * Runs orchestrator passes soon after a create, a stop or the end of a tuning job's training job (so a
 * sequential tuning job starts its next trial when one ends), and every `intervalMs` besides: the safety net
 * for what no kick reports (a trial ended on another server sharing the database, a pass that failed).
 * Started by `startLoam` (and by tests) with {@link TuningDriver.start}, like the job scheduler.
 */
export class TuningDriver {
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private closed = false;
  private last: Promise<void> = Promise.resolve();
  /** A pass fails every tick of a database outage (and a kick shares the pass running): logged once. */
  private readonly failures: LoopFailureLog;

  constructor(
    private readonly orchestrator: TuningOrchestrator,
    logger: Logger,
    private readonly intervalMs = 500,
  ) {
    this.failures = new LoopFailureLog(logger, 'tuning pass failed');
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.pass(), this.intervalMs);
    this.timer.unref();
    this.pass();
  }

  /** A pass soon (coalesced), if started. */
  kick(): void {
    if (!this.timer || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.pass();
    }, 20);
    this.pending.unref();
  }

  private pass(): void {
    if (this.closed) return;
    this.last = this.orchestrator.advanceAll().then(() => this.failures.succeeded(), (err: unknown) => this.failures.failed(err));
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.timer = undefined;
    await this.last;
  }
}

/** `passIntervalMs`: the driver's periodic pass (500 ms; tests set it long, to see what the kicks alone do). */
export function openTuning(deps: { store: MetadataStore; partition: Partition; tags: TagService; jobs: JobsCapability; logger: Logger; passIntervalMs?: number }): TuningCapability {
  const logger = deps.logger.child({ component: 'tuning' });
  const orchestrator = new TuningOrchestrator({ store: deps.store, clock: systemClock, training: deps.jobs.training, engine: mlTuningEngine, logger });
  const driver = new TuningDriver(orchestrator, logger, deps.passIntervalMs);
  // A trial's end frees its slot: the next pass settles it and starts the next trial, without waiting for the interval.
  deps.jobs.coordinator.onJobEnded((job) => {
    if (job.tuningJobArn !== undefined) driver.kick();
  });
  const service = new TuningJobService({ store: deps.store, clock: systemClock, partition: deps.partition, training: deps.jobs.training, engine: mlTuningEngine, kick: () => driver.kick() });
  deps.tags.registerResolver(`arn:loam:sagemaker:${deps.partition.region}:${deps.partition.accountId}:hyper-parameter-tuning-job/`, service.exists);
  return { service, orchestrator, driver, close: () => driver.stop() };
}
