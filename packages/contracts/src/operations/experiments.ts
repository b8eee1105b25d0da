import { syncData } from '../data-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/experiments.js';

/*
 * Experiment tracking over Loam's REST API: the same data MLflow clients reach at /api/2.0/mlflow/.
 * IAM actions are `sagemaker:<OperationName>` on `mlflow-experiment/<id>` or `mlflow-run/<id>`; the
 * MLflow transport checks the same actions (docs/mlflow.md lists them all).
 */

const experiment = 'arn:loam:sagemaker:{Region}:{Account}:mlflow-experiment/{ExperimentId}';
const run = 'arn:loam:sagemaker:{Region}:{Account}:mlflow-run/{RunId}';
const base = { capability: 'experiments', aws: false } as const;
const p = '/api/v1/mlflow';

export const CreateMlflowExperiment = defineOperation({
  ...base, name: 'CreateMlflowExperiment', kind: 'create', summary: 'Creates an experiment: a named group of runs whose artifacts share a location.',
  input: S.CreateMlflowExperimentInput, output: S.CreateMlflowExperimentOutput, errors: ['ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:CreateMlflowExperiment', resource: '*', rest: { method: 'POST', path: `${p}/experiments` },
  dataAccess: (i) => (i.ArtifactLocation?.startsWith('s3://') ? syncData('/ArtifactLocation', i.ArtifactLocation) : []),
});
export const GetMlflowExperiment = defineOperation({
  ...base, name: 'GetMlflowExperiment', kind: 'describe', summary: 'Describes an experiment.',
  input: S.ExperimentIdInput, output: S.GetMlflowExperimentOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:GetMlflowExperiment', resource: experiment, rest: { method: 'GET', path: `${p}/experiments/{ExperimentId}` },
});
export const ListMlflowExperiments = defineOperation({
  ...base, name: 'ListMlflowExperiments', kind: 'list', summary: "Lists experiments, filtered with MLflow's grammar (name, tags, times) and ordered.",
  input: S.ListMlflowExperimentsInput, output: S.ListMlflowExperimentsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListMlflowExperiments', resource: '*', rest: { method: 'GET', path: `${p}/experiments` },
});
export const UpdateMlflowExperiment = defineOperation({
  ...base, name: 'UpdateMlflowExperiment', kind: 'update', summary: 'Renames an experiment.',
  input: S.UpdateMlflowExperimentInput, output: Empty, errors: ['ResourceNotFound', 'ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:UpdateMlflowExperiment', resource: experiment, rest: { method: 'PATCH', path: `${p}/experiments/{ExperimentId}` },
});
export const DeleteMlflowExperiment = defineOperation({
  ...base, name: 'DeleteMlflowExperiment', kind: 'delete', summary: 'Marks an experiment and its runs deleted (restorable).',
  input: S.ExperimentIdInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DeleteMlflowExperiment', resource: experiment,
  authorizationNote: 'Also `sagemaker:DeleteMlflowRun` on the experiment when it has active runs, which are deleted with it.',
  rest: { method: 'DELETE', path: `${p}/experiments/{ExperimentId}` },
});
export const RestoreMlflowExperiment = defineOperation({
  ...base, name: 'RestoreMlflowExperiment', kind: 'action', summary: 'Restores a deleted experiment and its runs.',
  input: S.ExperimentIdInput, output: Empty, errors: ['ResourceNotFound', 'ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:RestoreMlflowExperiment', resource: experiment,
  authorizationNote: 'Also `sagemaker:RestoreMlflowRun` on the experiment when it has deleted runs, which are restored with it.',
  rest: { method: 'POST', path: `${p}/experiments/{ExperimentId}/restore` },
});
export const SetMlflowExperimentTag = defineOperation({
  ...base, name: 'SetMlflowExperimentTag', kind: 'action', summary: 'Sets a tag on an experiment.',
  input: S.SetMlflowExperimentTagInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:SetMlflowExperimentTag', resource: experiment, rest: { method: 'PUT', path: `${p}/experiments/{ExperimentId}/tags` },
});
export const CreateMlflowRun = defineOperation({
  ...base, name: 'CreateMlflowRun', kind: 'create', summary: 'Starts a run in an experiment (the Default experiment when none is given).',
  input: S.CreateMlflowRunInput, output: S.MlflowRunOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:CreateMlflowRun', resource: experiment, rest: { method: 'POST', path: `${p}/runs` },
});
export const GetMlflowRun = defineOperation({
  ...base, name: 'GetMlflowRun', kind: 'describe', summary: 'Describes a run: info, latest metrics, params, tags and dataset inputs.',
  input: S.RunIdInput, output: S.MlflowRunOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:GetMlflowRun', resource: run, rest: { method: 'GET', path: `${p}/runs/{RunId}` },
});
export const ListMlflowRuns = defineOperation({
  ...base, name: 'ListMlflowRuns', kind: 'list', summary: "Searches runs of experiments with MLflow's filter grammar, ordered and paged.",
  input: S.ListMlflowRunsInput, output: S.ListMlflowRunsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListMlflowRuns', resource: '*', rest: { method: 'POST', path: `${p}/runs/search` },
});
export const UpdateMlflowRun = defineOperation({
  ...base, name: 'UpdateMlflowRun', kind: 'update', summary: "Sets a run's status, end time or name.",
  input: S.UpdateMlflowRunInput, output: S.UpdateMlflowRunOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:UpdateMlflowRun', resource: run, rest: { method: 'PATCH', path: `${p}/runs/{RunId}` },
});
export const DeleteMlflowRun = defineOperation({
  ...base, name: 'DeleteMlflowRun', kind: 'delete', summary: 'Marks a run deleted (restorable).',
  input: S.RunIdInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DeleteMlflowRun', resource: run, rest: { method: 'DELETE', path: `${p}/runs/{RunId}` },
});
export const RestoreMlflowRun = defineOperation({
  ...base, name: 'RestoreMlflowRun', kind: 'action', summary: 'Restores a deleted run.',
  input: S.RunIdInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:RestoreMlflowRun', resource: run, rest: { method: 'POST', path: `${p}/runs/{RunId}/restore` },
});
export const LogMlflowBatch = defineOperation({
  ...base, name: 'LogMlflowBatch', kind: 'action', summary: "Logs metrics, params and tags to a run in one atomic write (MLflow's limits: 1000 metrics, 100 params, 100 tags).",
  input: S.LogMlflowBatchInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:LogMlflowBatch', resource: run, rest: { method: 'POST', path: `${p}/runs/{RunId}/batch` },
});
export const SetMlflowRunTag = defineOperation({
  ...base, name: 'SetMlflowRunTag', kind: 'action', summary: 'Sets a tag on a run.',
  input: S.SetMlflowRunTagInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:SetMlflowRunTag', resource: run, rest: { method: 'PUT', path: `${p}/runs/{RunId}/tags` },
});
export const DeleteMlflowRunTag = defineOperation({
  ...base, name: 'DeleteMlflowRunTag', kind: 'action', summary: 'Removes a tag from a run.',
  input: S.DeleteMlflowRunTagInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DeleteMlflowRunTag', resource: run, rest: { method: 'POST', path: `${p}/runs/{RunId}/tags/delete` },
});
export const GetMlflowMetricHistory = defineOperation({
  ...base, name: 'GetMlflowMetricHistory', kind: 'list', summary: 'Every logged point of one metric of a run, by step.',
  input: S.GetMlflowMetricHistoryInput, output: S.GetMlflowMetricHistoryOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:GetMlflowMetricHistory', resource: run, rest: { method: 'GET', path: `${p}/runs/{RunId}/metric-history` },
});
export const ListMlflowArtifacts = defineOperation({
  ...base, name: 'ListMlflowArtifacts', kind: 'list', summary: "Lists one folder of a run's artifacts.",
  input: S.ListMlflowArtifactsInput, output: S.ListMlflowArtifactsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:ListMlflowArtifacts', resource: run, rest: { method: 'GET', path: `${p}/runs/{RunId}/artifacts` }, pathFields: ['Path'],
});
