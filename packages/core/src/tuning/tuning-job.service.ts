import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import type { RequestContext } from '../kernel/context.js';
import { isLoamError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import { clampMaxResults, decodeNextToken, encodeNextToken } from '../kernel/pagination.js';
import type { JobRecord } from '../jobs/job.collections.js';
import type { TrainingJobService } from '../jobs/training-job.service.js';
import type { Filter, MetadataStore } from '../ports/metadata-store.js';
import { validateTags } from '../tags/tag-rules.js';
import type { TuningEngine } from './tuning-engine.js';
import { checkTrials, objectiveHyperparameter, planTuningJob, tuningLimits, type TuningPlan } from './tuning-plan.js';
import { bestTrial, counters, definitionObjectives, describedConfig, describedDefinition, trialObjective, trialSummary } from './tuning-summaries.js';
import { tuningJobsCollection, type ParentTrial, type TrialRecord, type TuningJobRecord } from './tuning.collections.js';

type Ops = typeof operations;
type In<K extends keyof Ops> = InputOf<Ops[K]>;
type Out<K extends keyof Ops> = OutputOf<Ops[K]>;

export interface TuningServiceOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly partition: Partition;
  readonly training: TrainingJobService;
  readonly engine: TuningEngine;
  /** Asks the orchestrator for a pass (after a create or a stop). */
  readonly kick: () => void;
}

const kind = 'Hyperparameter tuning job';

/**
 * CreateHyperParameterTuningJob, DescribeHyperParameterTuningJob, ListHyperParameterTuningJobs,
 * StopHyperParameterTuningJob and ListTrainingJobsForHyperParameterTuningJob. Create validates and
 * stores the job; the {@link TuningOrchestrator} runs it.
 */
export class TuningJobService {
  constructor(private readonly o: TuningServiceOptions) {}

  /** @throws ValidationException (naming the field or range), ResourceInUse for an existing name. */
  async CreateHyperParameterTuningJob(input: In<'CreateHyperParameterTuningJob'>, ctx: RequestContext): Promise<Out<'CreateHyperParameterTuningJob'>> {
    if (input.Tags) validateTags(input.Tags);
    const plan = planTuningJob(input, this.o.engine);
    checkTrials(input, plan, this.o.engine);
    const parents = input.WarmStartConfig ? await this.warmStartParents(input.WarmStartConfig, plan) : [];
    const arn = resourceArn(this.o.partition, 'hyper-parameter-tuning-job', input.HyperParameterTuningJobName);
    const now = this.o.clock.now() / 1000;
    const { Tags, ...request } = input;
    const record: TuningJobRecord = {
      id: input.HyperParameterTuningJobName.toLowerCase(), name: input.HyperParameterTuningJobName, arn, status: 'InProgress', strategy: plan.strategy,
      creationTime: now, lastModifiedTime: now, request, trials: [], parents, createdBy: ctx.principal.userName,
      ...(ctx.checkedManifests?.size ? { checkedManifests: Object.fromEntries(ctx.checkedManifests) } : {}),
    };
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.collection(tuningJobsCollection).insert(record);
        if (Tags?.length) await tx.tags.put(arn, Tags);
      });
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') throw new ResourceInUseError(`${kind} '${input.HyperParameterTuningJobName}' already exists: ${arn}.`);
      throw e;
    }
    this.o.kick();
    return { HyperParameterTuningJobArn: arn };
  }

  /** @throws ResourceNotFound. */
  async DescribeHyperParameterTuningJob(input: In<'DescribeHyperParameterTuningJob'>, _ctx: RequestContext): Promise<Out<'DescribeHyperParameterTuningJob'>> {
    return this.describeRecord(await this.get(input.HyperParameterTuningJobName));
  }

  /** The DescribeHyperParameterTuningJob answer for a record (Search's HyperParameterTuningJob record too). */
  async describeRecord(job: TuningJobRecord): Promise<Out<'DescribeHyperParameterTuningJob'>> {
    const req = job.request as Record<string, unknown>;
    const objective = this.objectiveOf(job);
    const objectives = definitionObjectives(job);
    const live = await this.liveChildren(job.trials);
    const out: Record<string, unknown> = {
      HyperParameterTuningJobName: job.name,
      HyperParameterTuningJobArn: job.arn,
      HyperParameterTuningJobConfig: describedConfig(req['HyperParameterTuningJobConfig'] as Record<string, unknown>, this.maxJobsOf(job)),
      HyperParameterTuningJobStatus: job.status,
      CreationTime: job.creationTime,
      LastModifiedTime: job.lastModifiedTime,
      ...counters(job.trials, live),
    };
    if (req['TrainingJobDefinition'] !== undefined) out['TrainingJobDefinition'] = describedDefinition(req['TrainingJobDefinition'] as Record<string, unknown>, objectives[0]!.metricName);
    if (req['TrainingJobDefinitions'] !== undefined) out['TrainingJobDefinitions'] = (req['TrainingJobDefinitions'] as Record<string, unknown>[]).map((d, i) => describedDefinition(d, objectives[i]!.metricName));
    if (req['WarmStartConfig'] !== undefined) out['WarmStartConfig'] = req['WarmStartConfig'];
    if (job.endTime !== undefined) {
      out['HyperParameterTuningEndTime'] = job.endTime;
      out['ConsumedResources'] = { RuntimeInSeconds: Math.round(job.endTime - job.creationTime) };
    }
    if (job.failureReason) out['FailureReason'] = job.failureReason;
    const convergedAt = job.convergence?.detectedTime;
    if (job.notImproving !== undefined || convergedAt !== undefined) {
      out['TuningJobCompletionDetails'] = {
        ...(job.notImproving !== undefined ? { NumberOfTrainingJobsObjectiveNotImproving: job.notImproving } : {}),
        ...(convergedAt !== undefined ? { ConvergenceDetectedTime: convergedAt } : {}),
      };
    }
    const best = bestTrial(job.trials, objective.type);
    if (best) out['BestTrainingJob'] = trialSummary(best, job, await this.child(best.trainingJobName), trialObjective(objectives, best.index));
    const warm = req['WarmStartConfig'] as { WarmStartType?: string } | undefined;
    if (warm?.WarmStartType === 'IdenticalDataAndAlgorithm') {
      const parentBest = bestParent(job.parents, objective.type);
      const ownValue = best?.final?.objective;
      if (parentBest && (ownValue === undefined || better(parentBest.value!, ownValue, objective.type))) {
        const child = await this.child(parentBest.trainingJobName);
        const t: TrialRecord = { index: -1, trainingJobName: parentBest.trainingJobName, config: parentBest.config, tuned: child?.request['HyperParameters'] as Record<string, string> ?? {}, final: { status: child?.status === 'Stopped' ? 'Stopped' : 'Completed', objective: parentBest.value! } };
        out['OverallBestTrainingJob'] = { ...trialSummary(t, job, child, objective), TuningJobName: parentBest.tuningJobName };
      } else if (best) {
        out['OverallBestTrainingJob'] = out['BestTrainingJob'];
      }
    }
    return out as Out<'DescribeHyperParameterTuningJob'>;
  }

  /** @throws ValidationException for a bad NextToken or MaxResults. */
  async ListHyperParameterTuningJobs(input: In<'ListHyperParameterTuningJobs'>, _ctx: RequestContext): Promise<Out<'ListHyperParameterTuningJobs'>> {
    const filters: Filter<TuningJobRecord>[] = [];
    if (input.NameContains) filters.push({ field: 'name', op: 'contains', value: input.NameContains });
    if (input.StatusEquals) filters.push({ field: 'status', op: 'eq', value: input.StatusEquals });
    if (input.CreationTimeAfter !== undefined) filters.push({ field: 'creationTime', op: 'gt', value: input.CreationTimeAfter });
    if (input.CreationTimeBefore !== undefined) filters.push({ field: 'creationTime', op: 'lt', value: input.CreationTimeBefore });
    if (input.LastModifiedTimeAfter !== undefined) filters.push({ field: 'lastModifiedTime', op: 'gt', value: input.LastModifiedTimeAfter });
    if (input.LastModifiedTimeBefore !== undefined) filters.push({ field: 'lastModifiedTime', op: 'lt', value: input.LastModifiedTimeBefore });
    // SageMaker's defaults: SortBy Name, SortOrder Ascending, MaxResults 10.
    const sortBy = input.SortBy === 'CreationTime' ? 'creationTime' : input.SortBy === 'Status' ? 'status' : 'name';
    const page = await this.o.store.collection(tuningJobsCollection).list({
      filters, sortBy, sortOrder: input.SortOrder ?? 'Ascending', maxResults: clampMaxResults(input.MaxResults, 10),
      ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    return {
      HyperParameterTuningJobSummaries: page.items.map(({ value: j }) => {
        const cfg = (j.request as Record<string, any>)['HyperParameterTuningJobConfig'];
        return {
          HyperParameterTuningJobName: j.name, HyperParameterTuningJobArn: j.arn, HyperParameterTuningJobStatus: j.status, Strategy: cfg.Strategy,
          CreationTime: j.creationTime, LastModifiedTime: j.lastModifiedTime, ...(j.endTime !== undefined ? { HyperParameterTuningEndTime: j.endTime } : {}),
          ...counters(j.trials, new Map()), ResourceLimits: (describedConfig(cfg, this.maxJobsOf(j)) as { ResourceLimits: unknown }).ResourceLimits,
        };
      }) as Out<'ListHyperParameterTuningJobs'>['HyperParameterTuningJobSummaries'],
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** Stops the tuning job and its running training jobs. @throws ResourceNotFound; ValidationException once it has ended. */
  async StopHyperParameterTuningJob(input: In<'StopHyperParameterTuningJob'>, _ctx: RequestContext): Promise<Out<'StopHyperParameterTuningJob'>> {
    const col = this.o.store.collection(tuningJobsCollection);
    for (;;) {
      const got = await col.get(input.HyperParameterTuningJobName.toLowerCase());
      if (!got) throw new NotFoundError(kind, input.HyperParameterTuningJobName);
      const job = got.value;
      if (job.status === 'Stopping') return {};
      if (job.status !== 'InProgress') {
        throw new ValidationError(`${kind} '${job.name}' has already ended with status ${job.status}; only an InProgress tuning job can be stopped.`, [{ path: '/HyperParameterTuningJobName', message: `tuning job is ${job.status}` }]);
      }
      try {
        await col.update(job.id, got.version, { ...job, status: 'Stopping', lastModifiedTime: this.o.clock.now() / 1000 });
      } catch (e) {
        if (isLoamError(e) && e.code === 'ConflictException') continue;
        throw e;
      }
      for (const t of job.trials) if (!t.final) await this.o.training.jobs.stop(t.trainingJobName).catch(() => undefined);
      this.o.kick();
      return {};
    }
  }

  /** @throws ResourceNotFound; ValidationException for a bad NextToken or MaxResults. */
  async ListTrainingJobsForHyperParameterTuningJob(input: In<'ListTrainingJobsForHyperParameterTuningJob'>, _ctx: RequestContext): Promise<Out<'ListTrainingJobsForHyperParameterTuningJob'>> {
    const job = await this.get(input.HyperParameterTuningJobName);
    const objectives = definitionObjectives(job);
    const max = clampMaxResults(input.MaxResults, 10);
    const children = new Map<string, JobRecord | undefined>();
    for (const t of job.trials) children.set(t.trainingJobName, await this.child(t.trainingJobName));
    let rows = job.trials.map((t) => trialSummary(t, job, children.get(t.trainingJobName), trialObjective(objectives, t.index)));
    if (input.StatusEquals) rows = rows.filter((r) => r['TrainingJobStatus'] === input.StatusEquals);
    const objectiveOf = (r: Record<string, unknown>): number | undefined => (r['FinalHyperParameterTuningJobObjectiveMetric'] as { Value: number } | undefined)?.Value;
    // As SageMaker documents: sorted by FinalObjectiveMetricValue, trials that reported no objective are not listed.
    if (input.SortBy === 'FinalObjectiveMetricValue') rows = rows.filter((r) => objectiveOf(r) !== undefined);
    // SageMaker's defaults: SortBy Name, SortOrder Ascending.
    const key = (r: Record<string, unknown>): string | number => {
      switch (input.SortBy) {
        case 'CreationTime': return r['CreationTime'] as number;
        case 'Status': return r['TrainingJobStatus'] as string;
        case 'FinalObjectiveMetricValue': return objectiveOf(r)!;
        default: return r['TrainingJobName'] as string;
      }
    };
    const dir = (input.SortOrder ?? 'Ascending') === 'Ascending' ? 1 : -1;
    rows.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return (ka < kb ? -1 : ka > kb ? 1 : (a['TrainingJobName'] as string).localeCompare(b['TrainingJobName'] as string)) * dir;
    });
    const cursor = decodeNextToken(input.NextToken);
    const start = cursor ? Number(cursor.after) : 0;
    const page = rows.slice(start, start + max);
    return {
      TrainingJobSummaries: page as Out<'ListTrainingJobsForHyperParameterTuningJob'>['TrainingJobSummaries'],
      ...(start + max < rows.length ? { NextToken: encodeNextToken({ after: start + max, name: job.name }) } : {}),
    };
  }

  /** Lets AddTags/ListTags find tuning jobs by ARN. */
  exists = async (arn: string): Promise<boolean> => (await this.o.store.collection(tuningJobsCollection).findOne('arn', arn)) !== undefined;

  private async get(name: string): Promise<TuningJobRecord> {
    const got = await this.o.store.collection(tuningJobsCollection).get(name.toLowerCase());
    if (!got) throw new NotFoundError(kind, name);
    return got.value;
  }

  /** The number of training jobs the job may run (a Grid's is inferred); undefined if its stored request no longer plans. */
  private maxJobsOf(job: TuningJobRecord): number | undefined {
    const given = (job.request as Record<string, any>)['HyperParameterTuningJobConfig']?.ResourceLimits?.MaxNumberOfTrainingJobs as number | undefined;
    if (given !== undefined) return given;
    try {
      return planTuningJob(job.request as unknown as In<'CreateHyperParameterTuningJob'>, this.o.engine).maxJobs;
    } catch {
      return undefined;
    }
  }

  /** The first definition's objective (every definition shares its direction). */
  private objectiveOf(job: TuningJobRecord): { type: 'Minimize' | 'Maximize'; metricName: string } {
    const o = definitionObjectives(job)[0]!;
    return { type: o.type, metricName: o.metricName };
  }

  private async child(name: string): Promise<JobRecord | undefined> {
    return this.o.training.jobs.get(name).catch(() => undefined);
  }

  private async liveChildren(trials: readonly TrialRecord[]): Promise<Map<string, JobRecord>> {
    const m = new Map<string, JobRecord>();
    for (const t of trials) {
      if (t.final) continue;
      const c = await this.child(t.trainingJobName);
      if (c) m.set(t.trainingJobName, c);
    }
    return m;
  }

  /**
   * SageMaker's warm-start rules: parents exist and have ended, share the objective metric, keep each tuned
   * parameter's type and the total number of static plus tuned hyperparameters, and their training jobs
   * count against the new job's limit of training jobs.
   */
  private async warmStartParents(cfg: NonNullable<In<'CreateHyperParameterTuningJob'>['WarmStartConfig']>, plan: TuningPlan): Promise<ParentTrial[]> {
    const metricName = plan.objective.metricName;
    const ranges = plan.ranges;
    const count = hyperparameterCount(plan.definitions[0]!.staticHyperParameters, ranges.length);
    const out: ParentTrial[] = [];
    for (const [i, p] of cfg.ParentHyperParameterTuningJobs.entries()) {
      const path = `/WarmStartConfig/ParentHyperParameterTuningJobs/${i}/HyperParameterTuningJobName`;
      const name = p.HyperParameterTuningJobName;
      if (!name) throw new ValidationError('A warm-start parent needs HyperParameterTuningJobName.', [{ path, message: 'required' }]);
      const parent = await this.get(name).catch(() => undefined);
      if (!parent) throw new ValidationError(`Warm-start parent tuning job '${name}' does not exist.`, [{ path, message: 'not found' }]);
      if (!['Completed', 'Stopped', 'Failed'].includes(parent.status)) {
        throw new ValidationError(`Warm-start parent tuning job '${name}' is ${parent.status}; parents must have ended.`, [{ path, message: `parent is ${parent.status}` }]);
      }
      if ((((parent.request as Record<string, unknown>)['TrainingJobDefinitions'] as unknown[] | undefined)?.length ?? 0) > 1) {
        throw new ValidationError(`Warm-start parent '${name}' tuned several training job definitions; Loam warm-starts from single-definition tuning jobs only.`, [{ path, message: 'parent has several definitions' }]);
      }
      const parentObjective = this.objectiveOf(parent);
      if (parentObjective.metricName !== metricName) {
        throw new ValidationError(`Warm-start parent '${name}' optimises '${parentObjective.metricName}', not '${metricName}'.`, [{ path, message: 'different objective metric' }]);
      }
      const parentRanges = parsedRangesOf(parent);
      for (const r of ranges) {
        const pr = parentRanges.get(r.name);
        if (pr && pr !== r.type) throw new ValidationError(`Parameter range '${r.name}' is ${r.type} here but ${pr} in warm-start parent '${name}'; a parameter keeps its type.`, [{ path: `/HyperParameterTuningJobConfig/ParameterRanges/${r.name}`, message: 'type differs from parent' }]);
      }
      const parentDefinition = ((parent.request as Record<string, any>)['TrainingJobDefinition'] ?? (parent.request as Record<string, any>)['TrainingJobDefinitions']?.[0]) as { StaticHyperParameters?: Record<string, string> } | undefined;
      const parentCount = hyperparameterCount(parentDefinition?.StaticHyperParameters ?? {}, parentRanges.size);
      if (parentCount !== count) {
        throw new ValidationError(
          `Warm-start parent '${name}' has ${parentCount} static plus tuned hyperparameters and this tuning job ${count}; a hyperparameter may move between static and tuned, but the total must stay the same.`,
          [{ path: '/TrainingJobDefinition/StaticHyperParameters', message: `${count} static plus tuned hyperparameters; parent '${name}' has ${parentCount}` }],
        );
      }
      for (const t of parent.trials) {
        out.push({ config: t.config, trainingJobName: t.trainingJobName, tuningJobName: parent.name, ...(t.final?.objective !== undefined ? { value: t.final.objective } : {}) });
      }
    }
    const limit = plan.strategy === 'Random' ? tuningLimits.maxJobsRandom : tuningLimits.maxJobs;
    if (out.length + plan.maxJobs > limit) {
      throw new ValidationError(
        `The warm-start parents ran ${out.length} training jobs and this tuning job may run ${plan.maxJobs}; together they count against the limit of ${limit} training jobs (${plan.strategy}).`,
        [{ path: '/HyperParameterTuningJobConfig/ResourceLimits/MaxNumberOfTrainingJobs', message: `at most ${Math.max(0, limit - out.length)} with these parents` }],
      );
    }
    return out;
  }
}

/** Static plus tuned hyperparameters, as SageMaker counts them for warm start (`_tuning_objective_metric`, which it adds, aside). */
function hyperparameterCount(statics: Readonly<Record<string, string>>, tuned: number): number {
  return Object.keys(statics).filter((k) => k !== objectiveHyperparameter).length + tuned;
}

function parsedRangesOf(job: TuningJobRecord): Map<string, string> {
  const req = job.request as Record<string, any>;
  const pr = req['HyperParameterTuningJobConfig']?.ParameterRanges ?? (req['TrainingJobDefinition'] ?? req['TrainingJobDefinitions']?.[0])?.HyperParameterRanges ?? {};
  const m = new Map<string, string>();
  for (const r of pr.IntegerParameterRanges ?? []) m.set(r.Name, 'Integer');
  for (const r of pr.ContinuousParameterRanges ?? []) m.set(r.Name, 'Continuous');
  for (const r of pr.CategoricalParameterRanges ?? []) m.set(r.Name, 'Categorical');
  return m;
}

const better = (a: number, b: number, dir: 'Minimize' | 'Maximize'): boolean => (dir === 'Maximize' ? a > b : a < b);

function bestParent(parents: readonly ParentTrial[], dir: 'Minimize' | 'Maximize'): ParentTrial | undefined {
  let best: ParentTrial | undefined;
  for (const p of parents) if (p.value !== undefined && (best === undefined || better(p.value, best.value!, dir))) best = p;
  return best;
}
