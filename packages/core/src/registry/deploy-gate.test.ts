import { describe, expect, it } from 'vitest';
import { modelPackageContainer } from './deploy-gate.js';
import { DEPLOYMENT_APPROVAL_TAG } from './approval-rules.js';
import { arnBase, ctxOf, loamError, openRegistry, partition, spec } from './registry.test-support.js';

const alice = ctxOf('alice');

describe('deploying from a model package', () => {
  it('gives the package container only once the version is Approved (SageMaker\'s rule, the default)', async () => {
    const { store, groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'g' }, alice);
    const { ModelPackageArn: arn } = await packages.CreateModelPackage({ ModelPackageGroupName: 'g', InferenceSpecification: spec() }, alice);
    const pending = await loamError(modelPackageContainer(store, partition, arn, 'PrimaryContainer'));
    expect(pending.code).toBe('ValidationException');
    expect(pending.message).toContain('is PendingManualApproval: only Approved versions');
    expect(pending.fields[0]?.path).toBe('/PrimaryContainer/ModelPackageName');
    await packages.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved' }, alice);
    expect(await modelPackageContainer(store, partition, 'g/1', 'PrimaryContainer', { B: '2' })).toEqual({
      modelPackageArn: arn, Image: 'xgboost', ModelDataUrl: 's3://models/churn/model.tar.gz', Environment: { A: '1', B: '2' },
    });
    await packages.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Rejected' }, alice);
    expect((await loamError(modelPackageContainer(store, partition, arn, 'PrimaryContainer'))).message).toContain('is Rejected');
  });

  it('lets pending versions deploy when the group says approval is not required, but never rejected ones', async () => {
    const { store, groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'sandbox', Tags: [{ Key: DEPLOYMENT_APPROVAL_TAG, Value: 'not-required' }] }, alice);
    await packages.CreateModelPackage({ ModelPackageGroupName: 'sandbox', InferenceSpecification: spec() }, alice);
    await packages.CreateModelPackage({ ModelPackageGroupName: 'sandbox', InferenceSpecification: spec(), ModelApprovalStatus: 'Rejected' }, alice);
    expect((await modelPackageContainer(store, partition, 'sandbox/1', 'PrimaryContainer')).modelPackageArn).toBe(`${arnBase}:model-package/sandbox/1`);
    expect((await loamError(modelPackageContainer(store, partition, 'sandbox/2', 'PrimaryContainer'))).message).toContain('Rejected version can never be deployed');
    // The setting is an ordinary tag: removing it restores the default.
    await store.tags.remove(`${arnBase}:model-package-group/sandbox`, [DEPLOYMENT_APPROVAL_TAG]);
    expect((await loamError(modelPackageContainer(store, partition, 'sandbox/1', 'PrimaryContainer'))).code).toBe('ValidationException');
  });

  it('refuses an unknown setting, a missing package and one with no inference specification', async () => {
    const { store, groups, packages } = openRegistry();
    expect((await loamError(groups.CreateModelPackageGroup({ ModelPackageGroupName: 'x', Tags: [{ Key: DEPLOYMENT_APPROVAL_TAG, Value: 'maybe' }] }, alice))).code).toBe('ValidationException');
    expect((await loamError(modelPackageContainer(store, partition, 'nope/1', 'Containers.0'))).fields[0]?.path).toBe('/Containers/0/ModelPackageName');
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'g' }, alice);
    await packages.CreateModelPackage({ ModelPackageGroupName: 'g', ModelApprovalStatus: 'Approved' }, alice);
    expect((await loamError(modelPackageContainer(store, partition, 'g/1', 'PrimaryContainer'))).message).toContain('no InferenceSpecification');
  });
});
