import { readObject } from '../data-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/datasets.js';

// Loam operations (SageMaker has no dataset API; Data Wrangler keeps data in S3). IAM actions follow
// SageMaker's naming so one policy language covers them: sagemaker:CreateDataset, …
const dataset = 'arn:loam:sagemaker:{Region}:{Account}:dataset/{DatasetName}';
const base = { capability: 'datasets', aws: false, resource: dataset } as const;
const path = '/api/v1/datasets/{DatasetName}';

export const CreateDataset = defineOperation({
  ...base, name: 'CreateDataset', kind: 'create', summary: 'Creates an empty dataset; import versions into it from an s3:// URI or by upload.',
  input: S.CreateDatasetInput, output: S.CreateDatasetOutput, errors: ['ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:CreateDataset', rest: { method: 'POST', path: '/api/v1/datasets' },
});
export const ImportDatasetVersion = defineOperation({
  ...base, name: 'ImportDatasetVersion', kind: 'action',
  summary: 'Imports a CSV/TSV, Parquet or JSON Lines file (gzip or not) from the artifact store as a new immutable version: checked whole, typed, stored as Parquet. Limits: at most 1,000 columns (CSV) or members per object (JSON Lines), records nested at most 100 levels, a gzip file expanding to at most 100× its size (at least 1 GiB). With CreateDataset, a missing dataset is created with this version in one transaction.',
  input: S.ImportDatasetVersionInput, output: S.ImportDatasetVersionOutput, errors: ['ResourceNotFound', 'ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:ImportDatasetVersion', rest: { method: 'POST', path: `${path}/versions` }, pathFields: ['SourceUri'],
  dataAccess: (i) => [readObject('/SourceUri', i.SourceUri)],
});
export const DescribeDataset = defineOperation({
  ...base, name: 'DescribeDataset', kind: 'describe', summary: 'Describes a dataset and its latest version.',
  input: S.DescribeDatasetInput, output: S.DescribeDatasetOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeDataset', rest: { method: 'GET', path },
});
export const ListDatasets = defineOperation({
  ...base, name: 'ListDatasets', kind: 'list', summary: 'Lists datasets, newest first.', resource: '*',
  input: S.ListDatasetsInput, output: S.ListDatasetsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListDatasets', rest: { method: 'GET', path: '/api/v1/datasets' },
});
export const DeleteDataset = defineOperation({
  ...base, name: 'DeleteDataset', kind: 'delete', summary: 'Deletes a dataset, its versions and their stored data, in one transaction: a version an import recorded before it is deleted too; an import committing after it is refused.',
  input: S.DeleteDatasetInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DeleteDataset', rest: { method: 'DELETE', path },
});
export const DescribeDatasetVersion = defineOperation({
  ...base, name: 'DescribeDatasetVersion', kind: 'describe', summary: 'Describes one version: source, dialect, schema, row count, Parquet URI.',
  input: S.DescribeDatasetVersionInput, output: S.DatasetVersion, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeDataset', rest: { method: 'GET', path: `${path}/version` },
});
export const ListDatasetVersions = defineOperation({
  ...base, name: 'ListDatasetVersions', kind: 'list', summary: "Lists a dataset's versions, newest first.",
  input: S.ListDatasetVersionsInput, output: S.ListDatasetVersionsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeDataset', rest: { method: 'GET', path: `${path}/versions` },
});
export const PreviewDataset = defineOperation({
  ...base, name: 'PreviewDataset', kind: 'describe', summary: 'The first rows of a version, or a seeded random sample of them.',
  input: S.PreviewDatasetInput, output: S.PreviewDatasetOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeDataset', rest: { method: 'GET', path: `${path}/preview` },
});
export const GetDatasetProfile = defineOperation({
  ...base, name: 'GetDatasetProfile', kind: 'describe',
  summary: 'Profiles a version: per-column statistics, histograms, top values, correlations, duplicates, outliers; with a target, leakage and a quick GBDT model.',
  input: S.GetDatasetProfileInput, output: S.GetDatasetProfileOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeDataset', rest: { method: 'GET', path: `${path}/profile` },
});
