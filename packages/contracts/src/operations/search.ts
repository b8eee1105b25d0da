import { defineOperation } from '../operation.js';
import * as S from '../shapes/search.js';

export const Search = defineOperation({
  capability: 'search', aws: true, name: 'Search', kind: 'action',
  summary: 'Finds training jobs, tuning jobs, model packages, model package groups, endpoints, models, experiments, trials or trial components by filters on their properties (status, hyperparameters, tags, metrics, nested lists), sorted and paged.',
  input: S.SearchInput, output: S.SearchOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:Search', resource: '*',
  authorizationNote: 'Returns only the resources the caller may describe (`sagemaker:DescribeTrainingJob`, `sagemaker:DescribeModelPackage`, ... on each; for experiments, trials and trial components also on the `mlflow-experiment/<id>` they are in, as their Describe checks); the others are left out as if they did not match.',
  rest: { method: 'POST', path: '/api/v1/search' },
});
