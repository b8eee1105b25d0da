import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import { isLoamError, NotFoundError, ResourceInUseError } from '../kernel/errors.js';
import { invalid } from '../jobs/job-validation.js';
import { JobStore, type JobServiceOptions } from '../jobs/job-store.js';
import { jobId, jobsCollection, type JobKind, type JobRecord } from '../jobs/job.collections.js';
import type { LineageRecorder } from '../lineage/lineage-recorder.js';
import { modelsCollection } from '../models/model.collections.js';
import { validateTags } from '../tags/tag-rules.js';
import { buildTransformJobSpec, validateTransform, type DriverCommand } from './transform-job-spec.js';

type Ops = typeof operations;
type Describe = OutputOf<Ops['DescribeTransformJob']>;

/** Transform jobs share the jobs table and its coordinator; this kind is theirs. */
export const TRANSFORM_JOB_KIND: JobKind = 'transform-job';

export interface TransformJobServiceOptions extends JobServiceOptions {
  readonly driver: DriverCommand;
  readonly python: string;
  readonly lineage?: LineageRecorder;
}

/** CreateTransformJob, DescribeTransformJob, ListTransformJobs, StopTransformJob and GetTransformJobLogs. */
export class TransformJobService {
  readonly jobs: JobStore;

  constructor(private readonly o: TransformJobServiceOptions) {
    this.jobs = new JobStore(o, TRANSFORM_JOB_KIND);
  }

  /** @throws ValidationException naming the field (unknown model, unsupported options), ResourceInUse. */
  async CreateTransformJob(input: InputOf<Ops['CreateTransformJob']>, ctx: RequestContext): Promise<OutputOf<Ops['CreateTransformJob']>> {
    if (input.Tags) validateTags(input.Tags);
    const model = (await this.o.store.collection(modelsCollection).get(input.ModelName.toLowerCase()))?.value;
    if (!model) throw invalid('ModelName', input.ModelName, 'Could not find model');
    validateTransform(input, model, this.jobs.capacity);
    const arn = this.jobs.arnOf(input.TransformJobName);
    const spec = buildTransformJobSpec(input, model, { region: this.o.partition.region, arn, capacity: this.jobs.capacity, driver: this.o.driver, python: this.o.python, checkedManifests: ctx.checkedManifests });
    try {
      await this.jobs.create(input.TransformJobName, spec, input as unknown as Record<string, unknown>, input.Tags, 1);
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') throw new ResourceInUseError(`Transform job '${input.TransformJobName}' already exists: ${arn}.`);
      throw e;
    }
    const l = this.o.lineage;
    if (l) {
      await l.link(model.arn, arn, 'ContributedTo');
      await l.input(input.TransformInput.DataSource.S3DataSource.S3Uri, arn);
      await l.output(arn, input.TransformOutput.S3OutputPath);
    }
    return { TransformJobArn: arn };
  }

  /** @throws ResourceNotFound. */
  async DescribeTransformJob(input: InputOf<Ops['DescribeTransformJob']>, _ctx: RequestContext): Promise<Describe> {
    return describeTransformJob(await this.get(input.TransformJobName));
  }

  async ListTransformJobs(input: InputOf<Ops['ListTransformJobs']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListTransformJobs']>> {
    const page = await this.jobs.list(input);
    return {
      TransformJobSummaries: page.items.map((r) => ({
        TransformJobName: r.name, TransformJobArn: r.arn, CreationTime: r.creationTime, LastModifiedTime: r.lastModifiedTime, TransformJobStatus: r.status,
        ...(r.endTime !== undefined ? { TransformEndTime: r.endTime } : {}), ...(r.failureReason ? { FailureReason: r.failureReason } : {}),
      })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** @throws ResourceNotFound; ValidationException when the job has already ended. */
  async StopTransformJob(input: InputOf<Ops['StopTransformJob']>, _ctx: RequestContext): Promise<OutputOf<Ops['StopTransformJob']>> {
    const r = await this.get(input.TransformJobName);
    if (r.phase === 'done') throw invalid('TransformJobName', input.TransformJobName, `the job has already ended with status ${r.status}; only an InProgress job can be stopped`);
    await this.o.coordinator.stop(r.id);
    return {};
  }

  /** @throws ResourceNotFound. */
  async GetTransformJobLogs(input: InputOf<Ops['GetTransformJobLogs']>, _ctx: RequestContext): Promise<OutputOf<Ops['GetTransformJobLogs']>> {
    await this.get(input.TransformJobName);
    return this.jobs.logs(input.TransformJobName, input.NextToken, input.Limit);
  }

  /** @throws ResourceNotFound. */
  async get(name: string): Promise<JobRecord> {
    const r = await this.o.store.collection(jobsCollection).get(jobId(TRANSFORM_JOB_KIND, name));
    if (!r) throw new NotFoundError('Transform job', name);
    return r.value;
  }
}

export function describeTransformJob(r: JobRecord): Describe {
  const req = r.request as Record<string, unknown>;
  const out: Record<string, unknown> = {
    TransformJobName: r.name, TransformJobArn: r.arn, TransformJobStatus: r.status, ModelName: req['ModelName'],
    TransformInput: req['TransformInput'], TransformOutput: req['TransformOutput'], TransformResources: req['TransformResources'], CreationTime: r.creationTime,
  };
  for (const k of ['MaxConcurrentTransforms', 'ModelClientConfig', 'MaxPayloadInMB', 'BatchStrategy', 'Environment', 'DataProcessing', 'ExperimentConfig']) if (req[k] !== undefined) out[k] = req[k];
  if (r.failureReason) out['FailureReason'] = r.failureReason;
  if (r.startTime !== undefined) out['TransformStartTime'] = r.startTime;
  if (r.endTime !== undefined) out['TransformEndTime'] = r.endTime;
  return out as Describe;
}
