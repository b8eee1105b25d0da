import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Run } from './mlflow-data.js';
import { jobArnTag, quote } from './mlflow-filter.js';

export type ComponentSummary = OutputOf<(typeof operations)['ListTrialComponents']>['TrialComponentSummaries'][number];
type RunsRequest = InputOf<(typeof operations)['ListMlflowRuns']>;

/** The run tag naming the training job a run came from (its name as given, where the ARN has it lower-cased). */
export const jobNameTag = 'loam.training_job_name';

/** The run tag naming the trial component CreateTrialComponent made the run for (the server sets it at creation). */
export const componentNameTag = 'loam.trial_component_name';

/** The id of the Default experiment, where a component made with CreateTrialComponent keeps its run. */
export const defaultExperimentId = '0';

export const isTrainingJobComponent = (c: Pick<ComponentSummary, 'TrialComponentSource'>): boolean =>
  c.TrialComponentSource?.SourceType === 'SageMakerTrainingJob' && /:training-job\//.test(c.TrialComponentSource.SourceArn);

/** A training job's name from its ARN (lower-cased, as ARNs keep it). */
export const jobNameOfArn = (arn: string): string => arn.slice(arn.indexOf(':training-job/') + ':training-job/'.length);

/** SageMaker's suffix on a training job's trial component name (`<job>-aws-training-job`). */
const jobComponentSuffix = '-aws-training-job';

/**
 * The name of the training job a component is, as the job was named: the component is named after it
 * (`<job>-aws-training-job`, in the job's case), where the source ARN has it lower-cased. The ARN's name
 * when the component's name is not the job's (it then tells nothing about the case).
 */
export function jobNameOf(c: Pick<ComponentSummary, 'TrialComponentName' | 'TrialComponentSource'>): string | undefined {
  if (!isTrainingJobComponent(c)) return undefined;
  const fromArn = jobNameOfArn(c.TrialComponentSource!.SourceArn);
  const n = c.TrialComponentName;
  const fromName = n.endsWith(jobComponentSuffix) ? n.slice(0, -jobComponentSuffix.length) : undefined;
  return fromName !== undefined && fromName.toLowerCase() === fromArn.toLowerCase() ? fromName : fromArn;
}

/**
 * How a component's run was found: `exact` by a tag the server put on it (a job's ARN, a component's name);
 * `startTime` by the fallback for a component made before the server tagged its run.
 */
export type RunMatch = 'exact' | 'startTime';

/**
 * The runs searches that find a trial component's MLflow run (ADR 0009: a component is a run). A training
 * job's component is the run tagged with the job's ARN, in the job's experiment (`experimentIds`: the
 * trial's) or Default; a component made through the API is the run of the Default experiment tagged with
 * its name. `startTime` is the fallback for a run made before Loam tagged them: a run of Default started
 * at the component's StartTime (the same millisecond).
 */
export function componentRunRequests(c: ComponentSummary, experimentIds: readonly string[]): { exact: RunsRequest; startTime?: RunsRequest } {
  if (isTrainingJobComponent(c)) {
    return { exact: { ExperimentIds: [...new Set([...experimentIds, defaultExperimentId])], Filter: `tags.\`${jobArnTag}\` = ${quote(c.TrialComponentSource!.SourceArn)}`, MaxResults: 5 } };
  }
  return {
    exact: { ExperimentIds: [defaultExperimentId], Filter: `tags.\`${componentNameTag}\` = ${quote(c.TrialComponentName)}`, MaxResults: 5 },
    ...(c.StartTime === undefined ? {} : { startTime: { ExperimentIds: [defaultExperimentId], Filter: `attributes.start_time = ${Math.round(c.StartTime * 1000)}`, MaxResults: 50 } }),
  };
}

const tagOf = (r: Run, key: string) => r.Tags.find((t) => t.Key === key)?.Value;

/**
 * Which of the runs a request found is the component's. `exact`: the one run carrying the job's ARN or the
 * component's name (several — a run restored after its component was deleted and the name reused — are told
 * apart by start time, else none). `startTime`: among untagged runs started with it, the one named as the
 * component (its run name is its DisplayName), else the only one. Undefined when it cannot tell.
 */
export function pickComponentRun(c: ComponentSummary, runs: readonly Run[], how: RunMatch = 'exact'): Run | undefined {
  if (how === 'exact') {
    const tagged = isTrainingJobComponent(c)
      ? runs.filter((r) => tagOf(r, jobArnTag) === c.TrialComponentSource?.SourceArn)
      : runs.filter((r) => tagOf(r, componentNameTag) === c.TrialComponentName);
    if (tagged.length <= 1) return tagged[0];
    const started = c.StartTime === undefined ? [] : tagged.filter((r) => r.Info.StartTime === Math.round(c.StartTime! * 1000));
    return started.length === 1 ? started[0] : undefined;
  }
  if (isTrainingJobComponent(c)) return undefined;
  // A run tagged as another component's (or a job's) is not this one, whatever its start time.
  const untagged = runs.filter((r) => tagOf(r, componentNameTag) === undefined && tagOf(r, jobArnTag) === undefined);
  const name = c.DisplayName ?? c.TrialComponentName;
  const named = untagged.filter((r) => r.Info.RunName === name);
  if (named.length === 1) return named[0];
  return untagged.length === 1 ? untagged[0] : undefined;
}
