import { describe, expect, it } from 'vitest';
import { componentRunRequest, jobNameOfArn, pickComponentRun, type ComponentSummary } from './component-runs.js';
import type { Run } from './mlflow-data.js';

const jobArn = 'arn:loam:sagemaker:us-east-1:000000000000:training-job/churn-xgb';
const apiMade: ComponentSummary = { TrialComponentName: 'prep', TrialComponentArn: 'arn:…/prep', DisplayName: 'Prepare data', StartTime: 1732800000.123, CreationTime: 1732800000.2, LastModifiedTime: 1732800000.2 };
const ofJob: ComponentSummary = { TrialComponentName: 'churn-xgb-aws-training-job', TrialComponentArn: 'arn:…', TrialComponentSource: { SourceArn: jobArn, SourceType: 'SageMakerTrainingJob' }, CreationTime: 1, LastModifiedTime: 1 };
const run = (id: string, name: string, tags: Record<string, string> = {}): Run => ({
  Info: { RunId: id, RunName: name, ExperimentId: '0', UserId: 'admin', Status: 'FINISHED', StartTime: 1732800000123, LifecycleStage: 'active', ArtifactUri: '' },
  Metrics: [], Params: [], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })), Inputs: [],
});

describe('a trial component’s run', () => {
  it('looks for an API-made component in Default at its exact start time in milliseconds', () => {
    expect(componentRunRequest(apiMade, ['7'])).toEqual({ ExperimentIds: ['0'], Filter: 'attributes.start_time = 1732800000123', MaxResults: 50 });
    expect(componentRunRequest({ ...apiMade, StartTime: undefined }, ['7'])).toBeUndefined();
  });

  it('looks for a training job’s component by the job ARN tag in the trial’s experiment and Default', () => {
    expect(componentRunRequest(ofJob, ['7'])).toEqual({ ExperimentIds: ['7', '0'], Filter: `tags.\`loam.training_job_arn\` = '${jobArn}'`, MaxResults: 5 });
    expect(jobNameOfArn(jobArn)).toBe('churn-xgb');
  });

  it('picks the run named as the component among runs started in the same millisecond, and only a sure one', () => {
    const mine = run('a'.repeat(32), 'Prepare data');
    expect(pickComponentRun(apiMade, [run('b'.repeat(32), 'other'), mine])).toBe(mine);
    const renamed = run('c'.repeat(32), 'renamed in MLflow');
    expect(pickComponentRun(apiMade, [renamed])).toBe(renamed);
    expect(pickComponentRun(apiMade, [run('d'.repeat(32), 'x'), run('e'.repeat(32), 'y')])).toBeUndefined();
    expect(pickComponentRun(apiMade, [])).toBeUndefined();
  });

  it('picks the job’s run by its tag, never another job’s', () => {
    const jobRun = run('f'.repeat(32), 'churn-xgb', { 'loam.training_job_arn': jobArn });
    expect(pickComponentRun(ofJob, [run('1'.repeat(32), 'churn-xgb', { 'loam.training_job_arn': `${jobArn}-2` }), jobRun])).toBe(jobRun);
    expect(pickComponentRun(ofJob, [run('2'.repeat(32), 'churn-xgb')])).toBeUndefined();
  });
});
