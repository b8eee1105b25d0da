import { describe, expect, it } from 'vitest';
import { componentRunRequests, jobNameOf, jobNameOfArn, pickComponentRun, type ComponentSummary } from './component-runs.js';
import type { Run } from './mlflow-data.js';

const jobArn = 'arn:loam:sagemaker:us-east-1:000000000000:training-job/churn-xgb';
const apiMade: ComponentSummary = { TrialComponentName: 'prep', TrialComponentArn: 'arn:…/prep', DisplayName: 'Prepare data', StartTime: 1732800000.123, CreationTime: 1732800000.2, LastModifiedTime: 1732800000.2 };
const ofJob: ComponentSummary = { TrialComponentName: 'churn-xgb-aws-training-job', TrialComponentArn: 'arn:…', TrialComponentSource: { SourceArn: jobArn, SourceType: 'SageMakerTrainingJob' }, CreationTime: 1, LastModifiedTime: 1 };
const run = (id: string, name: string, tags: Record<string, string> = {}, startTime = 1732800000123): Run => ({
  Info: { RunId: id, RunName: name, ExperimentId: '0', UserId: 'admin', Status: 'FINISHED', StartTime: startTime, LifecycleStage: 'active', ArtifactUri: '' },
  Metrics: [], Params: [], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })), Inputs: [],
});
const tagged = (id: string, name: string, component: string, startTime?: number) => run(id, name, { 'loam.trial_component_name': component }, startTime);

describe('a trial component’s run', () => {
  it('looks for an API-made component’s run in Default by the tag naming it, with its start time as the fallback', () => {
    expect(componentRunRequests(apiMade, ['7'])).toEqual({
      exact: { ExperimentIds: ['0'], Filter: "tags.`loam.trial_component_name` = 'prep'", MaxResults: 5 },
      startTime: { ExperimentIds: ['0'], Filter: 'attributes.start_time = 1732800000123', MaxResults: 50 },
    });
    expect(componentRunRequests({ ...apiMade, StartTime: undefined }, ['7'])).toEqual({ exact: { ExperimentIds: ['0'], Filter: "tags.`loam.trial_component_name` = 'prep'", MaxResults: 5 } });
  });

  it('looks for a training job’s component by the job ARN tag in the trial’s experiment and Default, with no fallback', () => {
    expect(componentRunRequests(ofJob, ['7'])).toEqual({ exact: { ExperimentIds: ['7', '0'], Filter: `tags.\`loam.training_job_arn\` = '${jobArn}'`, MaxResults: 5 } });
    expect(jobNameOfArn(jobArn)).toBe('churn-xgb');
  });

  it('picks the run tagged with the component’s name, whatever other runs share its start time and name', () => {
    const mine = tagged('a'.repeat(32), 'Prepare data', 'prep');
    // Same millisecond, same run name: the old heuristic could not tell these apart.
    const twin = tagged('b'.repeat(32), 'Prepare data', 'prep-2');
    expect(pickComponentRun(apiMade, [twin, mine])).toBe(mine);
    expect(pickComponentRun(apiMade, [twin])).toBeUndefined();
    expect(pickComponentRun(apiMade, [])).toBeUndefined();
    // Two tagged with its name (an old run restored after the name was reused): its start time tells, else none.
    const old = tagged('c'.repeat(32), 'Prepare data', 'prep', 1700000000000);
    expect(pickComponentRun(apiMade, [old, mine])).toBe(mine);
    expect(pickComponentRun({ ...apiMade, StartTime: 1 }, [old, mine])).toBeUndefined();
  });

  it('falls back, for runs made before the tag, to the untagged run named as the component at its start time', () => {
    const mine = run('a'.repeat(32), 'Prepare data');
    expect(pickComponentRun(apiMade, [run('b'.repeat(32), 'other'), mine], 'startTime')).toBe(mine);
    const renamed = run('c'.repeat(32), 'renamed in MLflow');
    expect(pickComponentRun(apiMade, [renamed], 'startTime')).toBe(renamed);
    expect(pickComponentRun(apiMade, [run('d'.repeat(32), 'x'), run('e'.repeat(32), 'y')], 'startTime')).toBeUndefined();
    // A run tagged as another component's is never this one's, though it has its start time and name.
    expect(pickComponentRun(apiMade, [tagged('f'.repeat(32), 'Prepare data', 'other')], 'startTime')).toBeUndefined();
    expect(pickComponentRun(ofJob, [run('1'.repeat(32), 'churn-xgb')], 'startTime')).toBeUndefined();
  });

  it('picks the job’s run by its tag, never another job’s', () => {
    const jobRun = run('f'.repeat(32), 'churn-xgb', { 'loam.training_job_arn': jobArn });
    expect(pickComponentRun(ofJob, [run('1'.repeat(32), 'churn-xgb', { 'loam.training_job_arn': `${jobArn}-2` }), jobRun])).toBe(jobRun);
    expect(pickComponentRun(ofJob, [run('2'.repeat(32), 'churn-xgb')])).toBeUndefined();
  });

  it('names a training job as it was named, from its component’s name, where the ARN lower-cases it', () => {
    const arn = 'arn:loam:sagemaker:us-east-1:000000000000:training-job/churn-xgb-v2';
    const component = (name: string): ComponentSummary => ({ ...ofJob, TrialComponentName: name, TrialComponentSource: { SourceArn: arn, SourceType: 'SageMakerTrainingJob' } });
    expect(jobNameOf(component('Churn-XGB-v2-aws-training-job'))).toBe('Churn-XGB-v2');
    // A component named otherwise says nothing of the job's case: the ARN's name.
    expect(jobNameOf(component('Other-aws-training-job'))).toBe('churn-xgb-v2');
    expect(jobNameOf(component('by-hand'))).toBe('churn-xgb-v2');
    expect(jobNameOf(apiMade)).toBeUndefined();
  });
});
