import { flowDataAccess } from '../data-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/flows.js';

// Loam operations for Data Wrangler flows (REST only). IAM actions: sagemaker:CreateFlow, …
const flow = 'arn:loam:sagemaker:{Region}:{Account}:flow/{FlowName}';
const base = { capability: 'flows', aws: false, resource: flow } as const;
const path = '/api/v1/flows/{FlowName}';

export const CreateFlow = defineOperation({
  ...base, name: 'CreateFlow', kind: 'create', summary: 'Creates a data flow (a DAG of sources, transforms and destinations) at version 1.',
  input: S.CreateFlowInput, output: S.CreateFlowOutput, errors: ['ResourceInUse', 'ValidationException'],
  iamAction: 'sagemaker:CreateFlow', rest: { method: 'POST', path: '/api/v1/flows' },
  dataAccess: (i) => flowDataAccess(i.Definition),
});
export const UpdateFlow = defineOperation({
  ...base, name: 'UpdateFlow', kind: 'update', summary: "Stores a new version of a flow's definition; earlier versions stay readable.",
  input: S.UpdateFlowInput, output: S.UpdateFlowOutput, errors: ['ResourceNotFound', 'ConflictException', 'ValidationException'],
  iamAction: 'sagemaker:UpdateFlow', rest: { method: 'PUT', path },
  dataAccess: (i) => flowDataAccess(i.Definition),
});
export const DescribeFlow = defineOperation({
  ...base, name: 'DescribeFlow', kind: 'describe', summary: 'A flow at one version (the latest by default).',
  input: S.DescribeFlowInput, output: S.DescribeFlowOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeFlow', rest: { method: 'GET', path },
});
export const ListFlows = defineOperation({
  ...base, name: 'ListFlows', kind: 'list', summary: 'Lists flows.', resource: '*',
  input: S.ListFlowsInput, output: S.ListFlowsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListFlows', rest: { method: 'GET', path: '/api/v1/flows' },
});
export const DeleteFlow = defineOperation({
  ...base, name: 'DeleteFlow', kind: 'delete', summary: 'Deletes a flow and all its versions (runs and their outputs stay).',
  input: S.DeleteFlowInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DeleteFlow', rest: { method: 'DELETE', path },
});
export const ListFlowTransforms = defineOperation({
  ...base, name: 'ListFlowTransforms', kind: 'list', summary: 'The transform catalogue: name, group, inputs and the JSON Schema of each one’s params.', resource: '*',
  input: S.ListFlowTransformsInput, output: S.ListFlowTransformsOutput, errors: [],
  iamAction: 'sagemaker:ListFlows', rest: { method: 'GET', path: '/api/v1/flow-transforms' },
});
// A flow's definition names datasets: whoever binds it (CreateFlow, UpdateFlow, PreviewFlow, ExportFlowScript,
// StartFlowRun) must also be allowed sagemaker:DescribeDataset on each source dataset — the handler asks,
// since a stored flow's sources are known only once it is read. PreviewFlow of an unsaved Definition (no
// FlowName) is authorized on `flow/*`.
export const PreviewFlow = defineOperation({
  ...base, name: 'PreviewFlow', kind: 'action', summary: "Runs a flow up to one node on a sample of each source and returns rows and the node's SQL.",
  input: S.PreviewFlowInput, output: S.PreviewFlowOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeFlow', rest: { method: 'POST', path: '/api/v1/flow-preview' },
});
export const ExportFlowScript = defineOperation({
  ...base, name: 'ExportFlowScript', kind: 'describe', summary: 'The flow compiled to a standalone DuckDB SQL script.',
  input: S.ExportFlowScriptInput, output: S.ExportFlowScriptOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeFlow', rest: { method: 'GET', path: `${path}/script` },
});
export const StartFlowRun = defineOperation({
  ...base, name: 'StartFlowRun', kind: 'action', summary: 'Starts a processing job (built-in data-wrangler image) that runs a flow on the full data, writing each destination to its s3:// URI as Parquet or CSV.',
  input: S.StartFlowRunInput, output: S.StartFlowRunOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:StartFlowRun', rest: { method: 'POST', path: `${path}/runs` },
});
export const DescribeFlowRun = defineOperation({
  // The run names its flow only once read: the handler authorizes sagemaker:DescribeFlow on `flow/<its flow>`.
  ...base, name: 'DescribeFlowRun', kind: 'describe', summary: 'A flow run: status, outputs, failure reason.', resource: '*',
  input: S.DescribeFlowRunInput, output: S.DescribeFlowRunOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeFlow', rest: { method: 'GET', path: '/api/v1/flow-runs/{FlowRunId}' },
});
export const ListFlowRuns = defineOperation({
  // Without FlowName: authorized on `flow/*`, and only runs of flows the caller may list (sagemaker:ListFlows on the flow) are returned.
  ...base, name: 'ListFlowRuns', kind: 'list', summary: 'Run history, newest first, optionally of one flow or with one status.',
  input: S.ListFlowRunsInput, output: S.ListFlowRunsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListFlows', rest: { method: 'GET', path: '/api/v1/flow-runs' },
});
