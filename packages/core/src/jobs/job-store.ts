import type { JobSpec, JobStatus } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import { isLoamError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import type { ExecutorCapacity, JobExecutor } from '../ports/job-executor.js';
import type { Filter, MetadataStore, Tag } from '../ports/metadata-store.js';
import type { ProcessImageConfig } from './image-resolver.js';
import type { JobCoordinator } from './job-coordinator.js';
import { statusMessage } from './job-events.js';
import { jobId, jobsCollection, type JobKind, type JobRecord } from './job.collections.js';

export interface JobServiceOptions {
  readonly store: MetadataStore;
  readonly coordinator: JobCoordinator;
  readonly executor: JobExecutor;
  readonly clock: Clock;
  readonly partition: Partition;
  /** `images.process` from config. */
  readonly processImages: Readonly<Record<string, ProcessImageConfig>>;
}

const kindLabel: Record<JobKind, string> = { 'training-job': 'Training job', 'processing-job': 'Processing job', 'transform-job': 'Transform job' };
const nameField: Record<JobKind, string> = { 'training-job': 'TrainingJobName', 'processing-job': 'ProcessingJobName', 'transform-job': 'TransformJobName' };

/** The record access both job services share: create, read, list, stop, logs. */
export class JobStore {
  constructor(
    readonly o: JobServiceOptions,
    readonly kind: JobKind,
  ) {}

  get capacity(): ExecutorCapacity {
    return this.o.executor.capacity;
  }

  arnOf(name: string): string {
    return resourceArn(this.o.partition, this.kind, name);
  }

  /** Stores a new queued job (with its tags, atomically) and asks the scheduler to look. */
  async create(name: string, spec: JobSpec, request: Record<string, unknown>, tags: readonly Tag[] | undefined, maxAttempts: number, origin: { readonly tuningJobArn?: string; readonly createdBy?: string } = {}): Promise<JobRecord> {
    const { tuningJobArn, createdBy } = origin;
    const now = this.o.clock.now() / 1000;
    const { Tags: _t, ...rest } = request;
    const record: JobRecord = {
      id: jobId(this.kind, name), kind: this.kind, name, arn: spec.arn, status: 'InProgress', secondaryStatus: 'Starting', phase: 'queued',
      creationTime: now, lastModifiedTime: now, request: rest, spec,
      transitions: [{ Status: 'Starting', StartTime: now, StatusMessage: statusMessage('Starting', this.kind) as string }],
      finalMetrics: {}, metricSeries: {}, attempts: 0, maxAttempts, eventSeq: {}, exits: {},
      ...(tuningJobArn !== undefined ? { tuningJobArn } : {}),
      ...(createdBy !== undefined ? { createdBy } : {}),
    };
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.collection(jobsCollection).insert(record);
        if (tags?.length) await tx.tags.put(spec.arn, tags);
      });
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') {
        throw new ResourceInUseError(`${kindLabel[this.kind]} '${name}' already exists (names are unique per account and region, ignoring case): ${spec.arn}.`);
      }
      throw e;
    }
    this.o.coordinator.kick();
    return record;
  }

  async get(name: string): Promise<JobRecord> {
    const r = await this.o.store.collection(jobsCollection).get(jobId(this.kind, name));
    if (!r) throw new NotFoundError(kindLabel[this.kind], name);
    return r.value;
  }

  /** SageMaker's list semantics: NameContains (case-insensitive), StatusEquals, time windows, SortBy/SortOrder, NextToken. */
  async list(q: {
    NameContains?: string; StatusEquals?: JobStatus | 'Deleting'; SortBy?: 'Name' | 'CreationTime' | 'Status'; SortOrder?: 'Ascending' | 'Descending';
    CreationTimeAfter?: number; CreationTimeBefore?: number; LastModifiedTimeAfter?: number; LastModifiedTimeBefore?: number;
    MaxResults?: number; NextToken?: string;
  }): Promise<{ items: JobRecord[]; nextToken?: string }> {
    const filters: Filter<JobRecord>[] = [{ field: 'kind', op: 'eq', value: this.kind }];
    if (q.NameContains) filters.push({ field: 'name', op: 'contains', value: q.NameContains });
    if (q.StatusEquals) filters.push({ field: 'status', op: 'eq', value: q.StatusEquals });
    if (q.CreationTimeAfter !== undefined) filters.push({ field: 'creationTime', op: 'gt', value: q.CreationTimeAfter });
    if (q.CreationTimeBefore !== undefined) filters.push({ field: 'creationTime', op: 'lt', value: q.CreationTimeBefore });
    if (q.LastModifiedTimeAfter !== undefined) filters.push({ field: 'lastModifiedTime', op: 'gt', value: q.LastModifiedTimeAfter });
    if (q.LastModifiedTimeBefore !== undefined) filters.push({ field: 'lastModifiedTime', op: 'lt', value: q.LastModifiedTimeBefore });
    const sortBy = q.SortBy === 'Name' ? 'name' : q.SortBy === 'Status' ? 'status' : 'creationTime';
    const page = await this.o.store.collection(jobsCollection).list({
      filters, sortBy, sortOrder: q.SortOrder ?? 'Descending', maxResults: clampMaxResults(q.MaxResults, 10),
      ...(q.NextToken ? { nextToken: q.NextToken } : {}),
    });
    return { items: page.items.map((v) => v.value), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  }

  /** Stop: a no-op while already stopping; a ValidationException once the job has ended (as SageMaker answers). */
  async stop(name: string): Promise<void> {
    const r = await this.get(name);
    if (r.phase === 'done') {
      throw new ValidationError(`${kindLabel[this.kind]} '${name}' has already ended with status ${r.status}; only an InProgress job can be stopped.`, [
        { path: `/${nameField[this.kind]}`, message: `job is ${r.status}` },
      ]);
    }
    await this.o.coordinator.stop(r.id);
  }

  async logs(name: string, token: string | undefined, limit: number | undefined) {
    const r = await this.get(name);
    const page = await this.o.executor.readLogs(r.id, { ...(token ? { token } : {}), limit: limit ?? 1000 });
    return {
      Events: page.lines.map((l) => ({ Timestamp: l.time / 1000, Message: l.line, Host: l.host, Stream: l.stream })),
      NextForwardToken: page.nextToken,
      Complete: r.phase === 'done' && page.lines.length < (limit ?? 1000),
    };
  }

  /** Lets AddTags/ListTags find jobs of this kind by ARN. */
  exists = async (arn: string): Promise<boolean> => {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    const page = await this.o.store.collection(jobsCollection).findOne('arn' as keyof JobRecord & string, arn);
    return page !== undefined && page.value.kind === this.kind && page.value.name.toLowerCase() === name;
  };
}

/** The time a job has spent after it started, in whole seconds (at least 1, as SageMaker reports). */
export function billableSeconds(r: JobRecord): number | undefined {
  if (r.startTime === undefined || r.endTime === undefined) return undefined;
  return Math.max(1, Math.round(r.endTime - r.startTime));
}
