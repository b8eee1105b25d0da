import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Run } from './mlflow-data.js';
import { jobArnTag, quote } from './mlflow-filter.js';

export type ComponentSummary = OutputOf<(typeof operations)['ListTrialComponents']>['TrialComponentSummaries'][number];
type RunsRequest = InputOf<(typeof operations)['ListMlflowRuns']>;

/** The run tag naming the training job a run came from (its name as given, where the ARN has it lower-cased). */
export const jobNameTag = 'loam.training_job_name';

/** The id of the Default experiment, where a component made with CreateTrialComponent keeps its run. */
export const defaultExperimentId = '0';

export const isTrainingJobComponent = (c: Pick<ComponentSummary, 'TrialComponentSource'>): boolean =>
  c.TrialComponentSource?.SourceType === 'SageMakerTrainingJob' && /:training-job\//.test(c.TrialComponentSource.SourceArn);

/** A training job's name from its ARN (lower-cased, as ARNs keep it). */
export const jobNameOfArn = (arn: string): string => arn.slice(arn.indexOf(':training-job/') + ':training-job/'.length);

/**
 * The runs search that finds a trial component's MLflow run (ADR 0009: a component is a run). A training
 * job's component is the run tagged with the job's ARN, in the job's experiment; a component made through
 * the API is a run of the Default experiment whose start time is the component's StartTime (the same
 * instant, in milliseconds). `experimentIds`: where the job's run may be (the trial's experiment).
 */
export function componentRunRequest(c: ComponentSummary, experimentIds: readonly string[]): RunsRequest | undefined {
  if (isTrainingJobComponent(c)) {
    return { ExperimentIds: [...new Set([...experimentIds, defaultExperimentId])], Filter: `tags.\`${jobArnTag}\` = ${quote(c.TrialComponentSource!.SourceArn)}`, MaxResults: 5 };
  }
  if (c.StartTime === undefined) return undefined;
  return { ExperimentIds: [defaultExperimentId], Filter: `attributes.start_time = ${Math.round(c.StartTime * 1000)}`, MaxResults: 50 };
}

/**
 * Which of the runs the request found is the component's: the job's run; else the one named as the
 * component (its run name is its DisplayName), else the only one. Undefined when it cannot tell.
 */
export function pickComponentRun(c: ComponentSummary, runs: readonly Run[]): Run | undefined {
  if (isTrainingJobComponent(c)) return runs.find((r) => r.Tags.some((t) => t.Key === jobArnTag && t.Value === c.TrialComponentSource?.SourceArn));
  const name = c.DisplayName ?? c.TrialComponentName;
  const named = runs.filter((r) => r.Info.RunName === name);
  if (named.length === 1) return named[0];
  return runs.length === 1 ? runs[0] : undefined;
}
