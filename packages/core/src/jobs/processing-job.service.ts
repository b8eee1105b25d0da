import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import { validateTags } from '../tags/tag-rules.js';
import { JobStore, type JobServiceOptions } from './job-store.js';
import type { JobRecord } from './job.collections.js';
import { buildProcessingJobSpec } from './processing-job-spec.js';

type Ops = typeof operations;
type Describe = OutputOf<Ops['DescribeProcessingJob']>;

/** CreateProcessingJob, DescribeProcessingJob, ListProcessingJobs, StopProcessingJob and GetProcessingJobLogs. */
export class ProcessingJobService {
  readonly jobs: JobStore;

  constructor(private readonly o: JobServiceOptions) {
    this.jobs = new JobStore(o, 'processing-job');
  }

  /** @throws ValidationException naming the field, ResourceInUse for an existing name, ResourceLimitExceeded. */
  async CreateProcessingJob(input: InputOf<Ops['CreateProcessingJob']>, ctx: RequestContext): Promise<OutputOf<Ops['CreateProcessingJob']>> {
    if (input.Tags) validateTags(input.Tags);
    const arn = this.jobs.arnOf(input.ProcessingJobName);
    const spec = buildProcessingJobSpec(input, { region: this.o.partition.region, arn, capacity: this.jobs.capacity, processImages: this.o.processImages, checkedManifests: ctx.checkedManifests });
    await this.jobs.create(input.ProcessingJobName, spec, input as unknown as Record<string, unknown>, input.Tags, 1, { createdBy: ctx.principal.userName });
    return { ProcessingJobArn: arn };
  }

  /** @throws ResourceNotFound. */
  async DescribeProcessingJob(input: InputOf<Ops['DescribeProcessingJob']>, _ctx: RequestContext): Promise<Describe> {
    return describeProcessingJob(await this.jobs.get(input.ProcessingJobName));
  }

  async ListProcessingJobs(input: InputOf<Ops['ListProcessingJobs']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListProcessingJobs']>> {
    const page = await this.jobs.list(input);
    return {
      ProcessingJobSummaries: page.items.map((r) => ({
        ProcessingJobName: r.name, ProcessingJobArn: r.arn, CreationTime: r.creationTime, LastModifiedTime: r.lastModifiedTime,
        ProcessingJobStatus: r.status, ...(r.endTime !== undefined ? { ProcessingEndTime: r.endTime } : {}),
        ...(r.failureReason ? { FailureReason: r.failureReason } : {}), ...(r.exitMessage ? { ExitMessage: r.exitMessage } : {}),
      })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** @throws ResourceNotFound; ValidationException when the job has already ended. */
  async StopProcessingJob(input: InputOf<Ops['StopProcessingJob']>, _ctx: RequestContext): Promise<OutputOf<Ops['StopProcessingJob']>> {
    await this.jobs.stop(input.ProcessingJobName);
    return {};
  }

  async GetProcessingJobLogs(input: InputOf<Ops['GetProcessingJobLogs']>, _ctx: RequestContext): Promise<OutputOf<Ops['GetProcessingJobLogs']>> {
    return this.jobs.logs(input.ProcessingJobName, input.NextToken, input.Limit);
  }
}

export function describeProcessingJob(r: JobRecord): Describe {
  const req = r.request as Record<string, unknown>;
  const out: Record<string, unknown> = {
    ProcessingJobName: r.name,
    ProcessingJobArn: r.arn,
    ProcessingJobStatus: r.status === 'InProgress' || r.status === 'Stopping' || r.status === 'Completed' || r.status === 'Failed' || r.status === 'Stopped' ? r.status : 'InProgress',
    ProcessingResources: req['ProcessingResources'],
    AppSpecification: req['AppSpecification'],
    StoppingCondition: { MaxRuntimeInSeconds: r.spec.maxRuntimeSeconds },
    RoleArn: req['RoleArn'],
    CreationTime: r.creationTime,
    LastModifiedTime: r.lastModifiedTime,
  };
  for (const k of ['ProcessingInputs', 'ProcessingOutputConfig', 'Environment', 'NetworkConfig', 'ExperimentConfig']) if (req[k] !== undefined) out[k] = req[k];
  if (r.failureReason) out['FailureReason'] = r.failureReason;
  if (r.exitMessage) out['ExitMessage'] = r.exitMessage;
  if (r.startTime !== undefined) out['ProcessingStartTime'] = r.startTime;
  if (r.endTime !== undefined) out['ProcessingEndTime'] = r.endTime;
  return out as Describe;
}
