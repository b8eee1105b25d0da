import { containerDataAccess, type DataAccess, type InputOf, type OutputOf, type operations } from '@loam/contracts';
import type { Principal, RequestContext } from '../kernel/context.js';
import { isLoamError, NotFoundError, ResourceInUseError } from '../kernel/errors.js';
import { invalid } from '../jobs/job-validation.js';
import { JobStore, type JobServiceOptions } from '../jobs/job-store.js';
import { jobId, jobsCollection, type JobKind, type JobRecord } from '../jobs/job.collections.js';
import type { LineageRecorder } from '../lineage/lineage-recorder.js';
import type { Logger } from '../kernel/logger.js';
import { modelsCollection, type ModelRecord } from '../models/model.collections.js';
import { validateTags } from '../tags/tag-rules.js';
import { buildTransformJobSpec, validateTransform, type DriverCommand } from './transform-job-spec.js';

type Ops = typeof operations;
type Describe = OutputOf<Ops['DescribeTransformJob']>;

/**
 * Settings of SageMaker's model servers (the inference toolkit's timeout, workers, log level, payload and
 * accept defaults): values only, which load no code, so a transform job may set them for any model.
 */
const modelServerSettings: ReadonlySet<string> = new Set([
  'SAGEMAKER_MODEL_SERVER_TIMEOUT', 'SAGEMAKER_MODEL_SERVER_WORKERS', 'SAGEMAKER_CONTAINER_LOG_LEVEL', 'SAGEMAKER_ENABLE_CLOUDWATCH_METRICS',
  'SAGEMAKER_REGION', 'SAGEMAKER_MAX_PAYLOAD_IN_MB', 'SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT',
]);

/** Transform jobs share the jobs table and its coordinator; this kind is theirs. */
export const TRANSFORM_JOB_KIND: JobKind = 'transform-job';

export interface TransformJobServiceOptions extends JobServiceOptions {
  readonly driver: DriverCommand;
  readonly python: string;
  /**
   * Records the job's edges as it is created, so they are there at once. Best effort: the job is stored
   * by then, and LineageSync follows transform jobs and records them too (on its next pass, or before a
   * QueryLineage).
   */
  readonly lineage?: LineageRecorder;
  /** Where a failed lineage recording is logged. */
  readonly logger?: Logger;
  /**
   * The caller's S3 permissions on a location (ADR 0019): a job whose Environment reaches a model's own
   * code is checked as reading the model's artifacts.
   */
  readonly authorizeData?: (principal: Principal, access: DataAccess) => Promise<unknown>;
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
    await this.checkEnvironmentReach(input, model, ctx);
    const arn = this.jobs.arnOf(input.TransformJobName);
    const spec = buildTransformJobSpec(input, model, { region: this.o.partition.region, arn, capacity: this.jobs.capacity, driver: this.o.driver, python: this.o.python, checkedManifests: ctx.checkedManifests });
    try {
      await this.jobs.create(input.TransformJobName, spec, input as unknown as Record<string, unknown>, input.Tags, 1);
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') throw new ResourceInUseError(`Transform job '${input.TransformJobName}' already exists: ${arn}.`);
      throw e;
    }
    await this.recordLineage(model.arn, arn, input);
    return { TransformJobArn: arn };
  }

  /**
   * The job exists once stored: a create that failed after that would answer 500 for a job that runs, and
   * the client's retry would meet ResourceInUse. So a failed recording is logged, not thrown; LineageSync
   * records the same edges from the stored request.
   */
  private async recordLineage(modelArn: string, arn: string, input: InputOf<Ops['CreateTransformJob']>): Promise<void> {
    const l = this.o.lineage;
    if (!l) return;
    try {
      await l.link(modelArn, arn, 'ContributedTo');
      await l.input(input.TransformInput.DataSource.S3DataSource.S3Uri, arn);
      await l.output(arn, input.TransformOutput.S3OutputPath);
    } catch (err) {
      this.o.logger?.warn({ err, transformJobName: input.TransformJobName }, 'transform job lineage not recorded at create; the lineage sync records it');
    }
  }

  /**
   * A model that runs its own code (script mode, a process image) gets the job's Environment, and beyond
   * the model server's own settings ({@link modelServerSettings}, values that load nothing) a
   * variable such as PYTHONPATH or LD_PRELOAD runs code from the job's input next to the model's files
   * (its weights, its source): whoever sets one must be allowed to read those artifacts, as if naming
   * them (ADR 0019). A built-in model's server takes only its settings from it, so needs no check.
   * @throws AccessDeniedException naming `/Environment` and the artifact.
   */
  private async checkEnvironmentReach(input: InputOf<Ops['CreateTransformJob']>, model: ModelRecord, ctx: RequestContext): Promise<void> {
    const c = model.containers[0];
    if (!this.o.authorizeData || !c || c.image.type === 'builtin' || Object.keys(input.Environment ?? {}).every((k) => modelServerSettings.has(k))) return;
    const field = `/Environment (reaches the code of model '${model.name}', so its artifacts)`;
    for (const a of containerDataAccess(field, { ...(c.modelDataUrl ? { ModelDataUrl: c.modelDataUrl } : {}), Environment: c.environment })) await this.o.authorizeData(ctx.principal, a);
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
