import type { JobSpec, JobStatus, SecondaryStatusName } from '@loam/contracts';
import type { CollectionSpec } from '../ports/metadata-store.js';
import type { JobHandle } from '../ports/job-executor.js';

export type JobKind = JobSpec['kind'];

/** Where a job is in Loam's own life cycle (TrainingJobStatus stays InProgress through the first three). */
export type JobPhase = 'queued' | 'starting' | 'running' | 'done';

export interface SecondaryTransition {
  readonly Status: SecondaryStatusName;
  readonly StartTime: number;
  readonly EndTime?: number;
  readonly StatusMessage?: string;
}

/** A metric's time series, capped (older points thinned) so records stay small. */
export interface MetricSeries {
  /** `step` is the point's position in the series as reported (absent in records written before it existed). */
  readonly points: readonly (readonly [time: number, value: number, step?: number])[];
  /** Points ever reported, so steps keep counting after thinning. */
  readonly count?: number;
}

/**
 * One training or processing job. `request` is the Create input as received (minus Tags) so Describe
 * echoes it; the rest is what Loam learned while running it. Times are epoch seconds (fractional).
 */
export interface JobRecord {
  /** `training-job/<name>` or `processing-job/<name>`: names are unique per kind, as in SageMaker. */
  readonly id: string;
  readonly kind: JobKind;
  readonly name: string;
  readonly arn: string;
  readonly status: JobStatus;
  readonly secondaryStatus: SecondaryStatusName;
  readonly phase: JobPhase;
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly request: Readonly<Record<string, unknown>>;
  readonly spec: JobSpec;
  readonly transitions: readonly SecondaryTransition[];
  readonly failureReason?: string;
  readonly exitMessage?: string;
  readonly modelArtifacts?: string;
  /** Last value of each metric, with its time. */
  readonly finalMetrics: Readonly<Record<string, { readonly value: number; readonly time: number }>>;
  readonly metricSeries: Readonly<Record<string, MetricSeries>>;
  /** Attempts started so far (RetryStrategy counts platform faults only). */
  readonly attempts: number;
  readonly maxAttempts: number;
  /**
   * When the coordinator started the current attempt's runner (epoch seconds, its clock, at the lease). With
   * {@link runtimeSpentSeconds} it makes MaxRuntimeInSeconds a total over every attempt, as SageMaker's is.
   */
  readonly attemptStartTime?: number;
  /** Seconds the earlier attempts' runners ran (each from its start to the coordinator settling its exit), added up. */
  readonly runtimeSpentSeconds?: number;
  /** Which server runs it (hostname + work dir); only that one re-adopts it after a restart. */
  readonly node?: string;
  readonly handle?: JobHandle;
  /** Per host, the last executor event applied, so a re-adopted job resumes without loss or repeats. */
  readonly eventSeq: Readonly<Record<string, number>>;
  /** Hosts that reported their exit, with the outcome. */
  readonly exits: Readonly<Record<string, { readonly outcome: 'Completed' | 'Failed' | 'Stopped'; readonly secondaryStatus: SecondaryStatusName; readonly failureReason?: string; readonly platformFault?: boolean }>>;
  readonly stopRequested?: boolean;
  /** The hyperparameter tuning job that created this training job (DescribeTrainingJob's TuningJobArn). */
  readonly tuningJobArn?: string;
  /** The user who created it (a tuning job's trials: the tuning job's creator); its experiment run's user. */
  readonly createdBy?: string;
}

export const jobsCollection: CollectionSpec<JobRecord> = {
  name: 'jobs',
  key: 'id',
  indexes: { kind: 'text', name: 'text', status: 'text', phase: 'text', creationTime: 'real', lastModifiedTime: 'real' },
  unique: ['arn'],
  // ListTrainingJobs and ListProcessingJobs: by CreationTime (the default) and by Name, per kind; Search's
  // default order for training jobs is LastModifiedTime.
  orderIndexes: [{ within: 'kind', sortBy: 'creationTime' }, { within: 'kind', sortBy: 'name' }, { within: 'kind', sortBy: 'lastModifiedTime' }],
};

/** The job capability's collections, for the metadata store's migrations. */
export const jobCollections = [jobsCollection];

export function jobId(kind: JobKind, name: string): string {
  return `${kind}/${name}`;
}
