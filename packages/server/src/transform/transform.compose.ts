import { systemClock, TransformJobService, type LineageRecorder, type MetadataStore, type Partition, type TagService } from '@loam/core';
import { transformDriverCommand } from '@loam/runtime/batch-transform/index';
import type { Config } from '../config/index.js';
import type { JobsCapability } from '../jobs/jobs.compose.js';

/** Batch transform as the platform holds it: a job kind on the shared coordinator and executor. */
export interface TransformCapability {
  readonly transform: TransformJobService;
  readonly services: readonly object[];
}

export function openTransform(deps: { config: Config; store: MetadataStore; partition: Partition; tags: TagService; jobs: JobsCapability; lineage?: LineageRecorder }): TransformCapability {
  const { config, store, partition, jobs } = deps;
  const transform = new TransformJobService({
    store, coordinator: jobs.coordinator, executor: jobs.executor, clock: systemClock, partition, processImages: config.images.process,
    driver: transformDriverCommand(), python: config.images.python, ...(deps.lineage ? { lineage: deps.lineage } : {}),
  });
  deps.tags.registerResolver(`arn:loam:sagemaker:${partition.region}:${partition.accountId}:transform-job/`, transform.jobs.exists);
  return { transform, services: [transform] };
}
