import { defineOperation } from '../operation.js';
import * as S from '../shapes/tags.js';

const base = { capability: 'tags', aws: true, resource: '{ResourceArn}' } as const;

export const AddTags = defineOperation({
  ...base, name: 'AddTags', kind: 'action', summary: 'Adds or overwrites tags on any resource, by its ARN.',
  input: S.AddTagsInput, output: S.AddTagsOutput, errors: ['ResourceNotFound', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:AddTags', rest: { method: 'POST', path: '/api/v1/tags' },
});
export const ListTags = defineOperation({
  ...base, name: 'ListTags', kind: 'list', summary: 'Lists the tags of a resource.',
  input: S.ListTagsInput, output: S.ListTagsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:ListTags', rest: { method: 'GET', path: '/api/v1/tags' },
});
export const DeleteTags = defineOperation({
  ...base, name: 'DeleteTags', kind: 'action', summary: 'Removes tags, by key, from a resource.',
  input: S.DeleteTagsInput, output: S.DeleteTagsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DeleteTags', rest: { method: 'POST', path: '/api/v1/tags/delete' },
});
