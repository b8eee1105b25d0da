import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { JobCoordinator, ProcessingJobService, TrainingJobService, type ArtifactStore, type JobExecutor, type Logger, type MetadataStore, type Partition, type TagService } from '@loam/core';
import { systemClock } from '@loam/core';
import { LocalProcessExecutor } from '@loam/adapters';
import { runnerCommand } from '@loam/runtime';
import type { Config } from '../config/index.js';
import { JobScheduler } from './scheduler.js';

/** The job capability as the platform holds it. */
export interface JobsCapability {
  readonly executor: JobExecutor;
  readonly coordinator: JobCoordinator;
  readonly training: TrainingJobService;
  readonly processing: ProcessingJobService;
  readonly scheduler: JobScheduler;
  close(): Promise<void>;
}

/** Picks the executor from `config.executor` (only `local` for now; `kubernetes` joins later). */
export function openExecutor(config: Config, logger: Logger): JobExecutor {
  const e = config.executor;
  return new LocalProcessExecutor({
    workDir: e.workDir,
    runner: runnerCommand(),
    artifacts: config.artifacts as unknown as Record<string, unknown>,
    python: config.images.python,
    ...(e.maxConcurrentJobs !== undefined ? { maxConcurrentJobs: e.maxConcurrentJobs } : {}),
    stopGraceSeconds: e.stopGraceSeconds,
    sandbox: e.sandbox,
    logger: logger.child({ component: 'executor' }),
  });
}

/**
 * Builds the executor, the coordinator and the two job services; registers jobs with the tag service.
 * The scheduler is started by `startLoam` (and by tests) with {@link JobScheduler.start}.
 */
export function openJobs(deps: { config: Config; store: MetadataStore; artifacts: ArtifactStore; partition: Partition; tags: TagService; logger: Logger; executor?: JobExecutor }): JobsCapability {
  const { config, store, partition, logger } = deps;
  const executor = deps.executor ?? openExecutor(config, logger);
  const node = `${hostname()}:${resolve(config.executor.workDir)}`;
  const coordinator = new JobCoordinator({ store, executor, clock: systemClock, logger: logger.child({ component: 'jobs' }), node });
  const options = { store, coordinator, executor, clock: systemClock, partition, processImages: config.images.process };
  const training = new TrainingJobService(options);
  const processing = new ProcessingJobService(options);
  const base = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:`;
  deps.tags.registerResolver(`${base}training-job/`, training.jobs.exists);
  deps.tags.registerResolver(`${base}processing-job/`, processing.jobs.exists);
  const scheduler = new JobScheduler(coordinator, logger);
  return {
    executor, coordinator, training, processing, scheduler,
    async close() {
      scheduler.stop();
      await coordinator.close();
      await executor.close();
    },
  };
}
