import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import { validateTags } from '../tags/tag-rules.js';
import { billableSeconds, JobStore, type JobServiceOptions } from './job-store.js';
import type { JobRecord } from './job.collections.js';
import { metricPage } from './job-metrics.js';
import { buildTrainingJobSpec } from './training-job-spec.js';

type Ops = typeof operations;
type Describe = OutputOf<Ops['DescribeTrainingJob']>;

/**
 * CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs, StopTrainingJob, GetTrainingJobLogs and
 * GetTrainingJobMetrics.
 * Create validates everything and stores a queued job; the coordinator starts it when capacity allows.
 */
export class TrainingJobService {
  readonly jobs: JobStore;

  constructor(private readonly o: JobServiceOptions) {
    this.jobs = new JobStore(o, 'training-job');
  }

  /**
   * `launchedBy` is the tuning job's ARN when a tuning job creates its trials (DescribeTrainingJob's TuningJobArn).
   * @throws ValidationException naming the field, ResourceInUse for an existing name, ResourceLimitExceeded.
   */
  async CreateTrainingJob(input: InputOf<Ops['CreateTrainingJob']>, ctx: RequestContext, launchedBy?: { tuningJobArn: string; createdBy?: string }): Promise<OutputOf<Ops['CreateTrainingJob']>> {
    if (input.Tags) validateTags(input.Tags);
    const arn = this.jobs.arnOf(input.TrainingJobName);
    const built = buildTrainingJobSpec(input, { region: this.o.partition.region, arn, capacity: this.jobs.capacity, processImages: this.o.processImages, checkedManifests: ctx.checkedManifests });
    // MaxWaitTimeInSeconds counts from creation over every attempt (SageMaker: spot wait plus run time).
    const maxWait = input.EnableManagedSpotTraining === true ? input.StoppingCondition?.MaxWaitTimeInSeconds : undefined;
    const spec = maxWait !== undefined ? { ...built, maxWaitUntil: this.o.clock.now() + maxWait * 1000 } : built;
    await this.jobs.create(input.TrainingJobName, spec, input as unknown as Record<string, unknown>, input.Tags, 1 + (input.RetryStrategy?.MaximumRetryAttempts ?? 0), {
      ...(launchedBy ? { tuningJobArn: launchedBy.tuningJobArn } : {}),
      createdBy: launchedBy?.createdBy ?? ctx.principal.userName,
    });
    return { TrainingJobArn: arn };
  }

  /** @throws ResourceNotFound. */
  async DescribeTrainingJob(input: InputOf<Ops['DescribeTrainingJob']>, _ctx: RequestContext): Promise<Describe> {
    return describeTrainingJob(await this.jobs.get(input.TrainingJobName));
  }

  /** @throws ValidationException for a bad NextToken or MaxResults. */
  async ListTrainingJobs(input: InputOf<Ops['ListTrainingJobs']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListTrainingJobs']>> {
    // Loam keeps no warm pools: no job has a WarmPoolStatus, so a filter on one matches none (as SageMaker
    // answers for jobs that never had a warm pool).
    if (input.WarmPoolStatusEquals !== undefined) return { TrainingJobSummaries: [] };
    const page = await this.jobs.list(input);
    return {
      TrainingJobSummaries: page.items.map((r) => ({
        TrainingJobName: r.name, TrainingJobArn: r.arn, CreationTime: r.creationTime, LastModifiedTime: r.lastModifiedTime,
        TrainingJobStatus: r.status, SecondaryStatus: r.secondaryStatus, ...(r.endTime !== undefined ? { TrainingEndTime: r.endTime } : {}),
      })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** @throws ResourceNotFound; ValidationException when the job has already ended. */
  async StopTrainingJob(input: InputOf<Ops['StopTrainingJob']>, _ctx: RequestContext): Promise<OutputOf<Ops['StopTrainingJob']>> {
    await this.jobs.stop(input.TrainingJobName);
    return {};
  }

  /** @throws ResourceNotFound; ValidationException for a token this operation did not issue. */
  async GetTrainingJobMetrics(input: InputOf<Ops['GetTrainingJobMetrics']>, _ctx: RequestContext): Promise<OutputOf<Ops['GetTrainingJobMetrics']>> {
    return metricPage(await this.jobs.get(input.TrainingJobName), input);
  }

  /** @throws ResourceNotFound; ValidationException for a token this job did not issue. */
  async GetTrainingJobLogs(input: InputOf<Ops['GetTrainingJobLogs']>, _ctx: RequestContext): Promise<OutputOf<Ops['GetTrainingJobLogs']>> {
    return this.jobs.logs(input.TrainingJobName, input.NextToken, input.Limit);
  }
}

const ruleNotRun = 'Loam does not run rule evaluation containers: this rule was accepted but not evaluated.';

/** The DescribeTrainingJob answer for a record: the request echoed, plus what happened. */
export function describeTrainingJob(r: JobRecord): Describe {
  const req = r.request as Record<string, unknown>;
  const billable = billableSeconds(r);
  const out: Record<string, unknown> = {
    TrainingJobName: r.name,
    TrainingJobArn: r.arn,
    // SageMaker leaves ModelArtifacts out when no model was uploaded (a failed or stopped job): an empty S3Uri fits no client's model of it.
    ...(r.modelArtifacts ? { ModelArtifacts: { S3ModelArtifacts: r.modelArtifacts } } : {}),
    TrainingJobStatus: r.status,
    SecondaryStatus: r.secondaryStatus,
    HyperParameters: req['HyperParameters'] ?? {},
    AlgorithmSpecification: req['AlgorithmSpecification'],
    RoleArn: req['RoleArn'],
    ...(req['InputDataConfig'] ? { InputDataConfig: req['InputDataConfig'] } : {}),
    OutputDataConfig: req['OutputDataConfig'],
    ResourceConfig: { VolumeSizeInGB: r.spec.volumeSizeInGB, ...(req['ResourceConfig'] as object) },
    StoppingCondition: { MaxRuntimeInSeconds: r.spec.maxRuntimeSeconds, ...((req['StoppingCondition'] as object | undefined) ?? {}) },
    CreationTime: r.creationTime,
    LastModifiedTime: r.lastModifiedTime,
    SecondaryStatusTransitions: r.transitions,
    FinalMetricDataList: Object.entries(r.finalMetrics).map(([MetricName, m]) => ({ MetricName, Value: m.value, Timestamp: m.time })),
    EnableNetworkIsolation: r.spec.networkIsolation,
    EnableInterContainerTrafficEncryption: Boolean(req['EnableInterContainerTrafficEncryption']),
    EnableManagedSpotTraining: Boolean(req['EnableManagedSpotTraining']),
  };
  for (const k of ['VpcConfig', 'CheckpointConfig', 'ExperimentConfig', 'Environment', 'RetryStrategy', 'TensorBoardOutputConfig', 'ProfilerConfig']) if (req[k] !== undefined) out[k] = req[k];
  if (r.tuningJobArn !== undefined) out['TuningJobArn'] = r.tuningJobArn;
  const debugHook = req['DebugHookConfig'] as Record<string, unknown> | undefined;
  if (debugHook) out['DebugHookConfig'] = { LocalPath: '/opt/ml/output/tensors', ...debugHook };
  const tensorBoard = req['TensorBoardOutputConfig'] as Record<string, unknown> | undefined;
  if (tensorBoard) out['TensorBoardOutputConfig'] = { LocalPath: '/opt/ml/output/tensorboard', ...tensorBoard };
  // Rules run in rule evaluation containers, which Loam does not run: each is reported, honestly, as Error.
  for (const [config, statuses] of [['DebugRuleConfigurations', 'DebugRuleEvaluationStatuses'], ['ProfilerRuleConfigurations', 'ProfilerRuleEvaluationStatuses']] as const) {
    const rules = req[config] as readonly { RuleConfigurationName: string }[] | undefined;
    if (!rules) continue;
    out[config] = rules;
    out[statuses] = rules.map((rule) => ({ RuleConfigurationName: rule.RuleConfigurationName, RuleEvaluationStatus: 'Error', StatusDetails: ruleNotRun, LastModifiedTime: r.creationTime }));
  }
  // No profiling data is produced either way; the status says what the request asked for.
  out['ProfilingStatus'] = (req['ProfilerConfig'] as { DisableProfiler?: boolean } | undefined)?.DisableProfiler === true ? 'Disabled' : 'Enabled';
  if (r.failureReason) out['FailureReason'] = r.failureReason;
  if (r.startTime !== undefined) out['TrainingStartTime'] = r.startTime;
  if (r.endTime !== undefined) out['TrainingEndTime'] = r.endTime;
  if (billable !== undefined) {
    out['TrainingTimeInSeconds'] = billable;
    out['BillableTimeInSeconds'] = billable;
  }
  return out as Describe;
}
