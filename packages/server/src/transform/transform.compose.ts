import { systemClock, TransformJobService, type LineageRecorder, type Logger, type MetadataStore, type Partition, type Principal, type TagService } from '@loam/core';
import type { DataAccess } from '@loam/contracts';
import { transformDriverCommand } from '@loam/runtime/batch-transform/index';
import type { Config } from '../config/index.js';
import type { JobsCapability } from '../jobs/jobs.compose.js';

/** Batch transform as the platform holds it: a job kind on the shared coordinator and executor. */
export interface TransformCapability {
  readonly transform: TransformJobService;
  readonly services: readonly object[];
}

export function openTransform(deps: {
  config: Config; store: MetadataStore; partition: Partition; tags: TagService; jobs: JobsCapability; lineage?: LineageRecorder; logger?: Logger;
  /** The caller's S3 permissions (ADR 0019): a job's Environment that reaches a model's code is checked as reading its artifacts. */
  authorizeData?: (principal: Principal, access: DataAccess) => Promise<unknown>;
}): TransformCapability {
  const { config, store, partition, jobs } = deps;
  const transform = new TransformJobService({
    store, coordinator: jobs.coordinator, executor: jobs.executor, clock: systemClock, partition, processImages: config.images.process,
    driver: transformDriverCommand(), python: config.images.python, ...(deps.lineage ? { lineage: deps.lineage } : {}), ...(deps.logger ? { logger: deps.logger.child({ component: 'transform' }) } : {}), ...(deps.authorizeData ? { authorizeData: deps.authorizeData } : {}),
  });
  deps.tags.registerResolver(`arn:loam:sagemaker:${partition.region}:${partition.accountId}:transform-job/`, transform.jobs.exists);
  return { transform, services: [transform] };
}
