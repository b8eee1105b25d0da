import type { JobRecord } from '../jobs/job.collections.js';
import { parseArn, resourceArn } from '../kernel/names.js';
import type { Direction } from './tuning-engine.js';
import type { TrialRecord, TuningJobRecord } from './tuning.collections.js';

/** How a trial is scored: the objective of the training job definition it ran, and that definition's name. */
export interface TrialObjective {
  readonly type: Direction;
  readonly metricName: string;
  readonly definitionName?: string;
}

/**
 * The objective of each training job definition of a stored tuning job, in order; trial `i` ran
 * definition `i mod n` (see `definitionOf`). The job's own objective, when given, applies to all.
 */
export function definitionObjectives(job: TuningJobRecord): TrialObjective[] {
  const req = job.request as Record<string, any>;
  const defs: any[] = req['TrainingJobDefinitions'] ?? [req['TrainingJobDefinition'] ?? {}];
  const shared = req['HyperParameterTuningJobConfig']?.HyperParameterTuningJobObjective;
  return defs.map((d) => {
    const o = shared ?? d?.TuningObjective;
    return { type: o.Type, metricName: o.MetricName, ...(d?.DefinitionName ? { definitionName: d.DefinitionName as string } : {}) };
  });
}

/** The objective trial `index` is scored with. */
export function trialObjective(objectives: readonly TrialObjective[], index: number): TrialObjective {
  return objectives[Math.max(0, index) % objectives.length]!;
}

/** SageMaker's `HyperParameterTrainingJobSummary` for one trial (with its training job's record when known). */
export function trialSummary(t: TrialRecord, job: TuningJobRecord, child: JobRecord | undefined, objective: TrialObjective): Record<string, unknown> {
  const status = child?.status ?? t.final?.status ?? 'InProgress';
  const value = t.final?.objective ?? (child ? child.finalMetrics[objective.metricName]?.value : undefined);
  const ended = t.final !== undefined;
  const out: Record<string, unknown> = {
    ...(objective.definitionName ? { TrainingJobDefinitionName: objective.definitionName } : {}),
    TrainingJobName: t.trainingJobName,
    // A trial whose training job was refused or is gone still names its job: the ARN is derived from the name, never ''.
    TrainingJobArn: child?.arn ?? trainingJobArnOf(job, t.trainingJobName),
    TuningJobName: job.name,
    CreationTime: child?.creationTime ?? job.creationTime,
    TrainingJobStatus: status,
    TunedHyperParameters: t.tuned,
    ObjectiveStatus: !ended ? 'Pending' : value !== undefined ? 'Succeeded' : 'Failed',
  };
  if (child?.startTime !== undefined) out['TrainingStartTime'] = child.startTime;
  if (child?.endTime !== undefined) out['TrainingEndTime'] = child.endTime;
  if (child?.failureReason) out['FailureReason'] = child.failureReason;
  else if (t.final?.refused) out['FailureReason'] = `CreateTrainingJob refused the request: ${t.final.refused}`;
  if (value !== undefined) out['FinalHyperParameterTuningJobObjectiveMetric'] = { Type: objective.type, MetricName: objective.metricName, Value: value };
  return out;
}

function trainingJobArnOf(job: TuningJobRecord, name: string): string {
  const p = parseArn(job.arn);
  return p ? resourceArn({ region: p.region, accountId: p.accountId }, 'training-job', name) : job.arn.replace(/hyper-parameter-tuning-job\/.*$/, `training-job/${name.toLowerCase()}`);
}

/** SageMaker's status and objective counters over a tuning job's trials. */
export function counters(trials: readonly TrialRecord[], live: ReadonlyMap<string, JobRecord>) {
  const c = { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 };
  const o = { Succeeded: 0, Pending: 0, Failed: 0 };
  for (const t of trials) {
    const status = t.final?.status ?? live.get(t.trainingJobName)?.status ?? 'InProgress';
    if (status === 'Completed') c.Completed++;
    else if (status === 'Failed') c.NonRetryableError++;
    else if (status === 'Stopped') c.Stopped++;
    else c.InProgress++;
    if (!t.final) o.Pending++;
    else if (t.final.objective !== undefined) o.Succeeded++;
    else o.Failed++;
  }
  return { TrainingJobStatusCounters: c, ObjectiveStatusCounters: o };
}

/** The trial with the best final objective, or undefined. */
export function bestTrial(trials: readonly TrialRecord[], direction: Direction): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const t of trials) {
    const v = t.final?.objective;
    if (v === undefined || !Number.isFinite(v)) continue;
    const b = best?.final?.objective;
    if (b === undefined || (direction === 'Maximize' ? v > b : v < b)) best = t;
  }
  return best;
}

type Ranges = { readonly IntegerParameterRanges?: unknown[]; readonly ContinuousParameterRanges?: unknown[]; readonly CategoricalParameterRanges?: unknown[] } & Record<string, unknown>;
/** Every range list present, empty when none was given, as SageMaker describes ranges (its Python SDK indexes all three). */
const allRanges = (r: Ranges): Ranges => ({ ...r, IntegerParameterRanges: r.IntegerParameterRanges ?? [], ContinuousParameterRanges: r.ContinuousParameterRanges ?? [], CategoricalParameterRanges: r.CategoricalParameterRanges ?? [] });

/**
 * `HyperParameterTuningJobConfig` as SageMaker describes it: the request with its defaults filled in —
 * `TrainingJobEarlyStoppingType` (Off), the job count a Grid infers, all three range lists. The
 * SageMaker Python SDK's `HyperparameterTuner.attach` reads each of these without a default.
 */
export function describedConfig(cfg: Record<string, any>, maxJobs: number | undefined): Record<string, unknown> {
  return {
    ...cfg,
    ResourceLimits: { ...cfg['ResourceLimits'], ...(cfg['ResourceLimits']?.MaxNumberOfTrainingJobs === undefined && maxJobs !== undefined ? { MaxNumberOfTrainingJobs: maxJobs } : {}) },
    ...(cfg['ParameterRanges'] ? { ParameterRanges: allRanges(cfg['ParameterRanges']) } : {}),
    TrainingJobEarlyStoppingType: cfg['TrainingJobEarlyStoppingType'] ?? 'Off',
  };
}

/**
 * A training job definition as SageMaker describes it: `StaticHyperParameters` with the
 * `_tuning_objective_metric` it adds to every training job, `MetricDefinitions` (empty when none were
 * given), all three range lists.
 */
export function describedDefinition(def: Record<string, any>, objectiveMetric: string): Record<string, unknown> {
  return {
    ...def,
    StaticHyperParameters: { ...(def['StaticHyperParameters'] ?? {}), _tuning_objective_metric: objectiveMetric },
    AlgorithmSpecification: { ...def['AlgorithmSpecification'], MetricDefinitions: def['AlgorithmSpecification']?.MetricDefinitions ?? [] },
    ...(def['HyperParameterRanges'] ? { HyperParameterRanges: allRanges(def['HyperParameterRanges']) } : {}),
  };
}
