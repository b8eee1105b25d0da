import { containerDataAccess } from '../data-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/model-packages.js';

const group = 'arn:loam:sagemaker:{Region}:{Account}:model-package-group/{ModelPackageGroupName}';
const pkg = 'arn:loam:sagemaker:{Region}:{Account}:model-package/{ModelPackageName}';
const base = { capability: 'registry', aws: true } as const;

export const CreateModelPackageGroup = defineOperation({
  ...base, name: 'CreateModelPackageGroup', kind: 'create',
  summary: 'Creates a model group: a named, versioned collection of model packages.',
  input: S.CreateModelPackageGroupInput, output: S.CreateModelPackageGroupOutput, errors: ['ResourceInUse', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:CreateModelPackageGroup', resource: group, rest: { method: 'POST', path: '/api/v1/model-package-groups' },
});
export const DescribeModelPackageGroup = defineOperation({
  ...base, name: 'DescribeModelPackageGroup', kind: 'describe', summary: 'Describes a model group.',
  input: S.DescribeModelPackageGroupInput, output: S.DescribeModelPackageGroupOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeModelPackageGroup', resource: group, rest: { method: 'GET', path: '/api/v1/model-package-groups/{ModelPackageGroupName}' },
});
export const ListModelPackageGroups = defineOperation({
  ...base, name: 'ListModelPackageGroups', kind: 'list', summary: 'Lists model groups, filtered by name and creation time, sorted and paged.',
  input: S.ListModelPackageGroupsInput, output: S.ListModelPackageGroupsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListModelPackageGroups', resource: '*', rest: { method: 'GET', path: '/api/v1/model-package-groups' },
});
export const DeleteModelPackageGroup = defineOperation({
  ...base, name: 'DeleteModelPackageGroup', kind: 'delete', summary: 'Deletes an empty model group (delete its versions first).',
  input: S.DeleteModelPackageGroupInput, output: Empty, errors: ['ResourceNotFound', 'ConflictException'],
  iamAction: 'sagemaker:DeleteModelPackageGroup', resource: group, rest: { method: 'DELETE', path: '/api/v1/model-package-groups/{ModelPackageGroupName}' },
});

/**
 * The package CreateModelPackage creates, as its ARN names it: `<group>/*` (a group given by name or
 * ARN), else the unversioned package's name; undefined (so `*`) when the input names neither.
 */
function newModelPackage(i: Readonly<Record<string, unknown>>): string | undefined {
  const nameOf = (v: unknown) => (typeof v !== 'string' || v === '' ? undefined : v.startsWith('arn:') ? v.slice(v.indexOf('/') + 1) : v);
  const group = nameOf(i['ModelPackageGroupName']);
  if (group !== undefined) return `${group}/*`;
  return nameOf(i['ModelPackageName']);
}

export const CreateModelPackage = defineOperation({
  ...base, name: 'CreateModelPackage', kind: 'create',
  summary: 'Registers a model version in a group (numbered from 1) with its inference specification, metrics, drift baselines and approval status; or an unversioned package by name.',
  input: S.CreateModelPackageInput, output: S.CreateModelPackageOutput, errors: ['ResourceNotFound', 'ResourceInUse', 'ConflictException', 'ResourceLimitExceeded', 'ValidationException'],
  // The package it creates: a version of a group is model-package/<group>/<next number>, unknown until
  // created, hence `<group>/*`; an unversioned package is model-package/<ModelPackageName>.
  iamAction: 'sagemaker:CreateModelPackage', resource: 'arn:loam:sagemaker:{Region}:{Account}:model-package/{NewModelPackage}',
  authorizationNote: '`{NewModelPackage}` is `<ModelPackageGroupName>/*` for a version of a group, `<ModelPackageName>` for an unversioned package.',
  resourceNames: (i) => ({ NewModelPackage: newModelPackage(i) }),
  rest: { method: 'POST', path: '/api/v1/model-packages' },
  dataAccess: (i) => [
    ...(i.InferenceSpecification?.Containers ?? []).flatMap((c, n) => containerDataAccess(`/InferenceSpecification/Containers/${n}`, c)),
    ...(i.AdditionalInferenceSpecifications ?? []).flatMap((a, k) => a.Containers.flatMap((c, n) => containerDataAccess(`/AdditionalInferenceSpecifications/${k}/Containers/${n}`, c))),
  ],
});
export const DescribeModelPackage = defineOperation({
  ...base, name: 'DescribeModelPackage', kind: 'describe', summary: 'Describes a model package: by ARN, by `<group>/<version>`, or by an unversioned package name.',
  input: S.DescribeModelPackageInput, output: S.DescribeModelPackageOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeModelPackage', resource: pkg, rest: { method: 'POST', path: '/api/v1/model-packages/describe' },
});
export const ListModelPackages = defineOperation({
  ...base, name: 'ListModelPackages', kind: 'list', summary: 'Lists model packages, filtered by group, approval status, type, name and creation time, sorted and paged.',
  input: S.ListModelPackagesInput, output: S.ListModelPackagesOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListModelPackages', resource: '*', rest: { method: 'GET', path: '/api/v1/model-packages' },
});
export const UpdateModelPackage = defineOperation({
  ...base, name: 'UpdateModelPackage', kind: 'update',
  summary: 'Approves or rejects a model package (with a description; the caller is recorded as approver), or changes its metadata and lifecycle.',
  input: S.UpdateModelPackageInput, output: S.UpdateModelPackageOutput, errors: ['ResourceNotFound', 'ConflictException', 'ValidationException'],
  iamAction: 'sagemaker:UpdateModelPackage', resource: '{ModelPackageArn}', rest: { method: 'POST', path: '/api/v1/model-packages/update' },
  dataAccess: (i) => [
    ...(i.InferenceSpecification?.Containers ?? []).flatMap((c, n) => containerDataAccess(`/InferenceSpecification/Containers/${n}`, c)),
    ...(i.AdditionalInferenceSpecificationsToAdd ?? []).flatMap((a, k) => a.Containers.flatMap((c, n) => containerDataAccess(`/AdditionalInferenceSpecificationsToAdd/${k}/Containers/${n}`, c))),
  ],
});
export const DeleteModelPackage = defineOperation({
  ...base, name: 'DeleteModelPackage', kind: 'delete', summary: 'Deletes a model package; models created from it keep running.',
  input: S.DeleteModelPackageInput, output: Empty, errors: ['ResourceNotFound', 'ConflictException', 'ValidationException'],
  iamAction: 'sagemaker:DeleteModelPackage', resource: pkg, rest: { method: 'POST', path: '/api/v1/model-packages/delete' },
});
export const ListModelPackageEvents = defineOperation({
  ...base, aws: false, name: 'ListModelPackageEvents', kind: 'list',
  summary: 'Lists approval-status changes of model packages, oldest first (the detail of SageMaker\'s "Model Package State Change" events).',
  input: S.ListModelPackageEventsInput, output: S.ListModelPackageEventsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListModelPackages', resource: '*', rest: { method: 'GET', path: '/api/v1/model-package-events' },
});
