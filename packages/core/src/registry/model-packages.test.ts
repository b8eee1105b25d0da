import { describe, expect, it } from 'vitest';
import { arnBase, ctxOf, loamError, openRegistry, spec } from './registry.test-support.js';

const alice = ctxOf('alice');
const bob = ctxOf('bob');

describe('model package groups and versions', () => {
  it('numbers versions per group from 1 and never reuses a deleted number', async () => {
    const { groups, packages, clock } = openRegistry();
    expect(await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'Churn', ModelPackageGroupDescription: 'churn models' }, alice))
      .toEqual({ ModelPackageGroupArn: `${arnBase}:model-package-group/churn` });
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'fraud' }, alice);
    const arns: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      arns.push((await packages.CreateModelPackage({ ModelPackageGroupName: 'churn', InferenceSpecification: spec() }, alice)).ModelPackageArn);
    }
    expect(arns).toEqual([1, 2, 3].map((n) => `${arnBase}:model-package/churn/${n}`));
    expect((await packages.CreateModelPackage({ ModelPackageGroupName: `${arnBase}:model-package-group/fraud` }, alice)).ModelPackageArn).toBe(`${arnBase}:model-package/fraud/1`);
    await packages.DeleteModelPackage({ ModelPackageName: 'churn/3' }, alice);
    expect((await packages.CreateModelPackage({ ModelPackageGroupName: 'churn' }, alice)).ModelPackageArn).toBe(`${arnBase}:model-package/churn/4`);
    const d = await packages.DescribeModelPackage({ ModelPackageName: arns[1] as string }, alice);
    expect(d).toMatchObject({
      ModelPackageName: 'Churn', ModelPackageGroupName: 'Churn', ModelPackageVersion: 2, ModelPackageArn: arns[1], ModelPackageStatus: 'Completed',
      ModelApprovalStatus: 'PendingManualApproval', InferenceSpecification: spec(), CreationTime: 1_700_000_002,
      CreatedBy: { UserProfileName: 'alice', IamIdentity: { Arn: 'arn:loam:iam::123456789012:user/alice' } },
    });
    expect(await packages.DescribeModelPackage({ ModelPackageName: 'CHURN/2' }, alice)).toEqual(d);
  });

  it('gives concurrent creates distinct consecutive versions', async () => {
    const { groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'g' }, alice);
    const arns = await Promise.all(Array.from({ length: 8 }, () => packages.CreateModelPackage({ ModelPackageGroupName: 'g' }, alice)));
    expect(arns.map((a) => Number(a.ModelPackageArn.split('/').pop())).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses a version in a missing group, a taken unversioned name, and both names at once', async () => {
    const { packages } = openRegistry();
    expect((await loamError(packages.CreateModelPackage({ ModelPackageGroupName: 'nope' }, alice))).code).toBe('ResourceNotFound');
    await packages.CreateModelPackage({ ModelPackageName: 'solo', InferenceSpecification: spec() }, alice);
    expect((await loamError(packages.CreateModelPackage({ ModelPackageName: 'Solo', InferenceSpecification: spec() }, alice))).code).toBe('ResourceInUse');
    const both = await loamError(packages.CreateModelPackage({ ModelPackageName: 'x', ModelPackageGroupName: 'g' }, alice));
    expect(both.code).toBe('ValidationException');
    expect((await loamError(packages.CreateModelPackage({ ModelPackageName: 'y', InferenceSpecification: spec(), ModelApprovalStatus: 'Approved' }, alice))).fields[0]?.path).toBe('/ModelApprovalStatus');
  });

  it('deletes a group only once its versions are gone', async () => {
    const { groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'g' }, alice);
    await packages.CreateModelPackage({ ModelPackageGroupName: 'g' }, alice);
    expect((await loamError(groups.DeleteModelPackageGroup({ ModelPackageGroupName: 'g' }, alice))).code).toBe('ConflictException');
    await packages.DeleteModelPackage({ ModelPackageName: `${arnBase}:model-package/g/1` }, alice);
    await groups.DeleteModelPackageGroup({ ModelPackageGroupName: 'g' }, alice);
    expect((await loamError(groups.DescribeModelPackageGroup({ ModelPackageGroupName: 'g' }, alice))).code).toBe('ResourceNotFound');
  });
});

describe('approval', () => {
  it('records who approved, with the description, and keeps every change as an event', async () => {
    const { groups, packages, clock } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'g' }, alice);
    const { ModelPackageArn: arn } = await packages.CreateModelPackage({ ModelPackageGroupName: 'g', InferenceSpecification: spec() }, alice);
    clock.advance(5000);
    await packages.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'AUC 0.91 on holdout' }, bob);
    const d = await packages.DescribeModelPackage({ ModelPackageName: arn }, alice);
    expect(d).toMatchObject({
      ModelApprovalStatus: 'Approved', ApprovalDescription: 'AUC 0.91 on holdout', LastModifiedTime: 1_700_000_005,
      LastModifiedBy: { UserProfileName: 'bob', IamIdentity: { Arn: 'arn:loam:iam::123456789012:user/bob' } },
      CreatedBy: { UserProfileName: 'alice' },
    });
    clock.advance(1000);
    await packages.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Rejected', ApprovalDescription: 'drift' }, alice);
    // Setting the same status again is not a change and records nothing.
    await packages.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Rejected' }, alice);
    const { Events } = await packages.ListModelPackageEvents({ ModelPackageGroupName: 'g' }, alice);
    expect(Events.map((e) => [e.PreviousApprovalStatus, e.ModelApprovalStatus, e.ApprovalDescription, e.ChangedBy.UserProfileName, e.Time])).toEqual([
      [undefined, 'PendingManualApproval', undefined, 'alice', 1_700_000_000],
      ['PendingManualApproval', 'Approved', 'AUC 0.91 on holdout', 'bob', 1_700_000_005],
      ['Approved', 'Rejected', 'drift', 'alice', 1_700_000_006],
    ]);
    expect(Events.every((e) => e.ModelPackageArn === arn && e.ModelPackageVersion === 1)).toBe(true);
    expect((await packages.ListModelPackageEvents({ After: 1_700_000_005 }, alice)).Events).toHaveLength(1);
  });

  it('follows the transition table: no way back to pending', async () => {
    const { groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'g' }, alice);
    const { ModelPackageArn: arn } = await packages.CreateModelPackage({ ModelPackageGroupName: 'g', ModelApprovalStatus: 'Approved' }, alice);
    const e = await loamError(packages.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'PendingManualApproval' }, alice));
    expect(e.code).toBe('ValidationException');
    expect(e.message).toContain('can change to Rejected');
    await packages.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Rejected' }, alice);
    await packages.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved' }, alice);
    expect((await packages.DescribeModelPackage({ ModelPackageName: arn }, alice)).ModelApprovalStatus).toBe('Approved');
  });

  it('updates customer metadata, lifecycle and additional specifications', async () => {
    const { groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'g' }, alice);
    const { ModelPackageArn: arn } = await packages.CreateModelPackage({
      ModelPackageGroupName: 'g', CustomerMetadataProperties: { team: 'risk', ticket: 'ML-1' },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://m/stats.json' } } },
      DriftCheckBaselines: { ModelDataQuality: { Constraints: { ContentType: 'application/json', S3Uri: 's3://m/constraints.json' } } },
    }, alice);
    await packages.UpdateModelPackage({
      ModelPackageArn: arn, CustomerMetadataProperties: { owner: 'bob' }, CustomerMetadataPropertiesToRemove: ['ticket'],
      ModelLifeCycle: { Stage: 'Staging', StageStatus: 'InProgress' },
      AdditionalInferenceSpecificationsToAdd: [{ Name: 'gpu', Containers: [{ Image: 'xgboost' }] }],
    }, alice);
    const d = await packages.DescribeModelPackage({ ModelPackageName: arn }, alice);
    expect(d.CustomerMetadataProperties).toEqual({ team: 'risk', owner: 'bob' });
    expect(d.ModelLifeCycle).toEqual({ Stage: 'Staging', StageStatus: 'InProgress' });
    expect(d.AdditionalInferenceSpecifications?.map((s) => s.Name)).toEqual(['gpu']);
    expect(d.ModelMetrics?.ModelQuality?.Statistics?.S3Uri).toBe('s3://m/stats.json');
    expect(d.DriftCheckBaselines?.ModelDataQuality?.Constraints?.S3Uri).toBe('s3://m/constraints.json');
    expect((await loamError(packages.UpdateModelPackage({ ModelPackageArn: arn, AdditionalInferenceSpecificationsToAdd: [{ Name: 'GPU', Containers: [{ Image: 'x' }] }] }, alice))).code).toBe('ValidationException');
    // Keys are 1 to 128 characters, on create and on update.
    const long = 'k'.repeat(129);
    const created = await loamError(packages.CreateModelPackage({ ModelPackageGroupName: 'g', CustomerMetadataProperties: { [long]: 'v' } }, alice));
    expect(created.code).toBe('ValidationException');
    expect(created.message).toContain('key must be 1 to 128 characters long (it is 129)');
    expect((await loamError(packages.UpdateModelPackage({ ModelPackageArn: arn, CustomerMetadataProperties: { '': 'v' } }, alice))).code).toBe('ValidationException');
    await packages.UpdateModelPackage({ ModelPackageArn: arn, CustomerMetadataProperties: { ['k'.repeat(128)]: 'v' } }, alice);
  });
});

describe('ListModelPackages', () => {
  it('filters by group, approval and type, sorts and pages', async () => {
    const { groups, packages, clock } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'a' }, alice);
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'b' }, alice);
    const statuses = ['Approved', 'PendingManualApproval', 'Approved', 'Rejected'] as const;
    for (const s of statuses) {
      clock.advance(1000);
      await packages.CreateModelPackage({ ModelPackageGroupName: 'a', ModelApprovalStatus: s }, alice);
    }
    clock.advance(1000);
    await packages.CreateModelPackage({ ModelPackageGroupName: 'b', ModelApprovalStatus: 'Approved' }, alice);
    clock.advance(1000);
    await packages.CreateModelPackage({ ModelPackageName: 'loose', InferenceSpecification: spec() }, alice);
    const names = (l: { ModelPackageSummaryList: { ModelPackageArn: string }[] }) => l.ModelPackageSummaryList.map((s) => s.ModelPackageArn.slice(arnBase.length + 15));
    expect(names(await packages.ListModelPackages({ ModelPackageGroupName: 'a' }, alice))).toEqual(['a/4', 'a/3', 'a/2', 'a/1']);
    expect(names(await packages.ListModelPackages({ ModelPackageGroupName: 'a', ModelApprovalStatus: 'Approved', SortOrder: 'Ascending' }, alice))).toEqual(['a/1', 'a/3']);
    expect(names(await packages.ListModelPackages({}, alice))).toEqual(['loose']);
    expect(names(await packages.ListModelPackages({ ModelPackageType: 'Versioned', ModelApprovalStatus: 'Approved' }, alice))).toEqual(['b/1', 'a/3', 'a/1']);
    expect(names(await packages.ListModelPackages({ ModelPackageType: 'Both', CreationTimeAfter: 1_700_000_004 }, alice))).toEqual(['loose', 'b/1']);
    const first = await packages.ListModelPackages({ ModelPackageType: 'Both', MaxResults: 4 }, alice);
    expect(names(first)).toEqual(['loose', 'b/1', 'a/4', 'a/3']);
    expect(names(await packages.ListModelPackages({ ModelPackageType: 'Both', MaxResults: 4, NextToken: first.NextToken as string }, alice))).toEqual(['a/2', 'a/1']);
    const s = (await packages.ListModelPackages({ ModelPackageGroupName: 'b' }, alice)).ModelPackageSummaryList[0];
    expect(s).toMatchObject({ ModelPackageGroupName: 'b', ModelPackageVersion: 1, ModelApprovalStatus: 'Approved', ModelPackageStatus: 'Completed', CreationTime: 1_700_000_005 });
    const g = await groups.ListModelPackageGroups({ SortBy: 'Name', SortOrder: 'Ascending' }, alice);
    expect(g.ModelPackageGroupSummaryList.map((x) => x.ModelPackageGroupName)).toEqual(['a', 'b']);
  });
});
