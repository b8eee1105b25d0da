import { containerDataAccess } from '../data-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/models.js';

const model = 'arn:loam:sagemaker:{Region}:{Account}:model/{ModelName}';
const base = { capability: 'models', aws: true } as const;

export const CreateModel = defineOperation({
  ...base, name: 'CreateModel', awsInUseIsValidation: true, kind: 'create',
  summary: 'Registers a model: the container image (built-in algorithm, framework script mode or process image) and the model.tar.gz it serves.',
  input: S.CreateModelInput, output: S.CreateModelOutput, errors: ['ResourceInUse', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:CreateModel', resource: model, rest: { method: 'POST', path: '/api/v1/models' },
  dataAccess: (i) => [
    ...(i.PrimaryContainer ? containerDataAccess('/PrimaryContainer', i.PrimaryContainer) : []),
    ...(i.Containers ?? []).flatMap((c, n) => containerDataAccess(`/Containers/${n}`, c)),
  ],
});
export const DescribeModel = defineOperation({
  ...base, name: 'DescribeModel', awsNotFoundIsValidation: true, kind: 'describe', summary: 'Describes a model: its containers, model data and network isolation.',
  input: S.DescribeModelInput, output: S.DescribeModelOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeModel', resource: model, rest: { method: 'GET', path: '/api/v1/models/{ModelName}' },
});
export const ListModels = defineOperation({
  ...base, name: 'ListModels', kind: 'list', summary: 'Lists models, filtered by name and creation time, sorted and paged.',
  input: S.ListModelsInput, output: S.ListModelsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListModels', resource: '*', rest: { method: 'GET', path: '/api/v1/models' },
});
export const DeleteModel = defineOperation({
  ...base, name: 'DeleteModel', awsNotFoundIsValidation: true, kind: 'delete', summary: 'Deletes a model; endpoints already serving it keep running.',
  input: S.DeleteModelInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DeleteModel', resource: model, rest: { method: 'DELETE', path: '/api/v1/models/{ModelName}' },
});
