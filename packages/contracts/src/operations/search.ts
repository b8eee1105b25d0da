import { defineOperation } from '../operation.js';
import * as S from '../shapes/search.js';

export const Search = defineOperation({
  capability: 'search', aws: true, name: 'Search', kind: 'action',
  summary: 'Finds training jobs, tuning jobs, model packages, model package groups, endpoints or models by filters on their properties (status, hyperparameters, tags, metrics, nested lists), sorted and paged.',
  input: S.SearchInput, output: S.SearchOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:Search', resource: '*',
  authorizationNote: 'Returns only the resources the caller may describe (`sagemaker:DescribeTrainingJob`, `sagemaker:DescribeModelPackage`, ... on each); the others are left out as if they did not match.',
  rest: { method: 'POST', path: '/api/v1/search' },
});
