import type { SearchSpace } from './search-space.js';

/** Parameter ranges as the SearchSpace table reads them. */
type Ranges = Parameters<typeof SearchSpace>[0]['ranges'];

/** A tuning objective as DescribeHyperParameterTuningJob gives it. */
export interface Objective {
  readonly Type: string;
  readonly MetricName: string;
}

interface Definition {
  readonly DefinitionName?: string;
  readonly TuningObjective?: Objective;
  readonly HyperParameterRanges?: Ranges;
  readonly StaticHyperParameters?: Readonly<Record<string, string>>;
}

interface TuningJob {
  readonly HyperParameterTuningJobConfig: { readonly HyperParameterTuningJobObjective?: Objective; readonly ParameterRanges?: Ranges };
  readonly TrainingJobDefinition?: Definition;
  readonly TrainingJobDefinitions?: readonly Definition[];
}

/** What one training job definition searches: its ranges, its objective and its static hyperparameters. */
export interface SearchSpaceOf {
  /** `Definition d1` for one of several definitions; absent for a job with one TrainingJobDefinition. */
  readonly label?: string;
  readonly objective?: Objective;
  readonly ranges?: Ranges;
  readonly statics: Readonly<Record<string, string>>;
}

/**
 * The search spaces of a tuning job: one for a TrainingJobDefinition (ranges and objective in the job's
 * config), or one per item of TrainingJobDefinitions, whose ranges, objective and static hyperparameters
 * are the definition's own (SageMaker's multi-algorithm tuning: the config then has neither).
 */
export function searchSpaces(job: TuningJob): SearchSpaceOf[] {
  const cfg = job.HyperParameterTuningJobConfig;
  const defs = job.TrainingJobDefinitions ?? [];
  if (defs.length === 0) {
    return [{ ...(cfg.HyperParameterTuningJobObjective ? { objective: cfg.HyperParameterTuningJobObjective } : {}), ranges: cfg.ParameterRanges, statics: job.TrainingJobDefinition?.StaticHyperParameters ?? {} }];
  }
  return defs.map((d, i) => {
    const objective = cfg.HyperParameterTuningJobObjective ?? d.TuningObjective;
    return { label: `Definition ${d.DefinitionName ?? i + 1}`, ...(objective ? { objective } : {}), ranges: cfg.ParameterRanges ?? d.HyperParameterRanges, statics: d.StaticHyperParameters ?? {} };
  });
}

/** The job's objective: its config's, else its first definition's (each definition of a multi-algorithm job names one). */
export function objectiveOf(job: TuningJob): Objective | undefined {
  return searchSpaces(job).find((s) => s.objective)?.objective;
}
