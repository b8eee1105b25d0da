import { describe, expect, it } from 'vitest';
import { activitySources, inProgress, recentActivity, runningSources } from './home-activity.js';

describe("Home's recent activity", () => {
  const sources = activitySources(10);
  const answer = (op: string, body: unknown) => sources.map((s) => (s.operation === op ? body : undefined));
  const merge = (...answers: (unknown | undefined)[][]) => sources.map((_, i) => answers.map((a) => a[i]).find((x) => x !== undefined));

  it('asks each List operation for its newest items, model package versions in groups included', () => {
    const byOp = Object.fromEntries(sources.map((s) => [s.operation, s.input]));
    expect(byOp.ListTrainingJobs).toEqual({ SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10 });
    expect(byOp.ListModelPackages).toMatchObject({ SortBy: 'CreationTime', ModelPackageType: 'Both' });
    expect(Object.keys(byOp)).toEqual(expect.arrayContaining(['ListHyperParameterTuningJobs', 'ListTransformJobs', 'ListEndpoints', 'ListModelPackages']));
  });

  it('merges every kind newest first, with status and the page of each', () => {
    const items = recentActivity(
      sources,
      merge(
        answer('ListTrainingJobs', { TrainingJobSummaries: [{ TrainingJobName: 'xgb', TrainingJobStatus: 'Completed', CreationTime: 100 }] }),
        answer('ListHyperParameterTuningJobs', { HyperParameterTuningJobSummaries: [{ HyperParameterTuningJobName: 'tune', HyperParameterTuningJobStatus: 'InProgress', CreationTime: 300 }] }),
        answer('ListTransformJobs', { TransformJobSummaries: [{ TransformJobName: 'score', TransformJobStatus: 'Failed', CreationTime: 200 }] }),
        answer('ListEndpoints', { Endpoints: [{ EndpointName: 'ep', EndpointStatus: 'InService', CreationTime: 400 }] }),
        answer('ListModelPackages', { ModelPackageSummaryList: [{ ModelPackageGroupName: 'bc', ModelPackageVersion: 2, ModelPackageArn: 'arn:p', ModelApprovalStatus: 'Approved', ModelPackageStatus: 'Completed', CreationTime: 500 }] }),
        answer('ListUsers', { Users: [{ UserName: 'admin', CreateDate: 50 }] }),
        answer('ListPolicies', { Policies: [{ PolicyName: 'LoamFullAccess', IsBuiltIn: true, CreateDate: 1, UpdateDate: 1 }, { PolicyName: 'team', IsBuiltIn: false, CreateDate: 10, UpdateDate: 350 }] }),
      ),
    );
    expect(items.map((i) => [i.kind, i.name, i.status ?? '', i.to, i.verb])).toEqual([
      ['Model package', 'bc version 2', 'Approved', '/model-registry/bc', 'registered'],
      ['Endpoint', 'ep', 'InService', '/endpoints/ep', 'created'],
      ['Policy', 'team', '', '/policies/team', 'updated'],
      ['Tuning job', 'tune', 'InProgress', '/tuning-jobs/tune', 'created'],
      ['Transform job', 'score', 'Failed', '/batch-transform/score', 'created'],
      ['Training job', 'xgb', 'Completed', '/training-jobs/xgb', 'created'],
      ['User', 'admin', '', '/users/admin', 'created'],
    ]);
  });

  it('keeps the newest `limit` and ignores sources that have not answered', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => ({ TrainingJobName: `j${i}`, TrainingJobStatus: 'Completed', CreationTime: i }));
    const items = recentActivity(sources, answer('ListTrainingJobs', { TrainingJobSummaries: jobs }), 3);
    expect(items.map((i) => i.name)).toEqual(['j9', 'j8', 'j7']);
    expect(recentActivity(sources, [])).toEqual([]);
  });

  it('finds what is in progress by status, however many newer items there are: an older running job is not missed', () => {
    const running = runningSources(10);
    expect(running.find((s) => s.operation === 'ListTrainingJobs')?.input).toEqual({ SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10, StatusEquals: 'InProgress' });
    expect(running.filter((s) => s.operation === 'ListEndpoints').map((s) => s.input['StatusEquals'])).toEqual(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);
    // Ten newer jobs completed after long-runner started: the newest ten alone hold no running job.
    const newer = Array.from({ length: 10 }, (_, i) => ({ TrainingJobName: `quick${i}`, TrainingJobStatus: 'Completed', CreationTime: 100 + i }));
    const longRunner = { TrainingJobName: 'long-runner', TrainingJobStatus: 'InProgress', CreationTime: 1 };
    const all = [...sources, ...running];
    const answers = all.map((s) => {
      if (s.operation !== 'ListTrainingJobs') return undefined;
      return s.input['StatusEquals'] === 'InProgress' ? { TrainingJobSummaries: [longRunner] } : { TrainingJobSummaries: newer, NextToken: 't' };
    });
    expect(inProgress(all, answers)).toEqual({ items: [expect.objectContaining({ kind: 'Training job', name: 'long-runner', status: 'InProgress' })], more: false });
    // A job in both answers is listed once; a status page with more to come says so.
    const both = all.map((s) => (s.operation === 'ListTrainingJobs' ? { TrainingJobSummaries: [longRunner], ...(s.input['StatusEquals'] ? { NextToken: 't' } : {}) } : undefined));
    expect(inProgress(all, both)).toEqual({ items: [expect.objectContaining({ name: 'long-runner' })], more: true });
  });
});
