import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, ResourceName, TagList, Timestamp } from './common.js';
import { Cell, Column, S3UriOfData } from './datasets.js';

const closed = { additionalProperties: false } as const;
export const FlowName = ResourceName;

/**
 * Free text of a node that an exported script carries in a `--` comment: a line break would end the
 * comment and start a statement (or a DuckDB CLI dot command such as `.shell`), so control characters
 * are refused.
 */
const NoControlCharacters = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';

/** One node of a flow; see docs/wrangler-flow-format.md. */
export const FlowNode = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  type: Type.Union([Type.Literal('source'), Type.Literal('transform'), Type.Literal('destination')]),
  inputs: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 8 })),
  transform: Type.Optional(Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_]*$', description: 'A transform of the catalogue (ListFlowTransforms).' })),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  dataset: Type.Optional(Type.Object({ name: Type.String(), version: Type.Optional(Type.Integer({ minimum: 1 })) }, closed)),
  output: Type.Optional(Type.Object({ s3Uri: Type.Optional(S3UriOfData), format: Type.Optional(Type.Union([Type.Literal('parquet'), Type.Literal('csv')])), header: Type.Optional(Type.Boolean()) }, closed)),
  label: Type.Optional(Type.String({ maxLength: 128, pattern: NoControlCharacters, description: 'Shown in Studio and as a comment in the exported script: no control characters (line breaks, tabs).' })),
  position: Type.Optional(Type.Object({ x: Type.Number(), y: Type.Number() }, closed)),
}, closed);
export const FlowDefinition = Type.Object({
  formatVersion: Type.Literal(1),
  nodes: Type.Array(FlowNode, { maxItems: 200 }),
}, closed);

export const CreateFlowInput = Input({ FlowName, Description: Type.Optional(Type.String({ maxLength: 1024 })), Definition: FlowDefinition, Tags: Type.Optional(TagList) });
export const CreateFlowOutput = Output({ FlowArn: Type.String(), Version: Type.Integer() });
export const UpdateFlowInput = Input({ FlowName, Definition: FlowDefinition, ExpectedVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'Refuse the update (ConflictException) unless this is the latest version.' })) });
export const UpdateFlowOutput = CreateFlowOutput;
export const DescribeFlowInput = Input({ FlowName, Version: Type.Optional(Type.Integer({ minimum: 1 })) });
export const DescribeFlowOutput = Output({
  FlowName: Type.String(), FlowArn: Type.String(), Description: Type.Optional(Type.String()), Version: Type.Integer(), LatestVersion: Type.Integer(),
  Definition: FlowDefinition, CreationTime: Timestamp, LastModifiedTime: Timestamp,
});
export const ListFlowsInput = Input({ NameContains: Type.Optional(Type.String({ maxLength: 63 })), MaxResults: Type.Optional(MaxResults), NextToken: Type.Optional(NextToken) });
export const ListFlowsOutput = Output({
  FlowSummaries: Type.Array(Type.Object({ FlowName: Type.String(), FlowArn: Type.String(), LatestVersion: Type.Integer(), NodeCount: Type.Integer(), CreationTime: Timestamp, LastModifiedTime: Timestamp })),
  NextToken: Type.Optional(Type.String()),
});
export const DeleteFlowInput = Input({ FlowName });

export const ListFlowTransformsInput = Input({});
export const ListFlowTransformsOutput = Output({
  Transforms: Type.Array(Type.Object({ Name: Type.String(), Group: Type.String(), Summary: Type.String(), Inputs: Type.Integer(), Parameters: Type.Unknown({ description: 'JSON Schema of params.' }) })),
});

export const PreviewFlowInput = Input({
  FlowName: Type.Optional(FlowName), Version: Type.Optional(Type.Integer({ minimum: 1 })),
  Definition: Type.Optional(FlowDefinition),
  NodeId: Type.String({ minLength: 1, maxLength: 64 }),
  SampleSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Rows sampled from each source, default 50,000.' })),
  Limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Rows returned, default 100.' })),
});
export const PreviewFlowOutput = Output({ Columns: Type.Array(Column), Rows: Type.Array(Type.Array(Cell)), Sql: Type.String(), SampleRows: Type.Integer(), ElapsedMs: Type.Number() });

export const ExportFlowScriptInput = Input({ FlowName, Version: Type.Optional(Type.Integer({ minimum: 1 })), NodeId: Type.Optional(Type.String({ maxLength: 64 })) });
export const ExportFlowScriptOutput = Output({ Script: Type.String({ description: 'A standalone DuckDB SQL script: sources read from their s3:// URIs (staged or with httpfs), destinations written with COPY.' }) });

export const FlowRunStatus = Type.Union([Type.Literal('InProgress'), Type.Literal('Stopping'), Type.Literal('Completed'), Type.Literal('Failed'), Type.Literal('Stopped')], { description: "The run's processing job's status." });
export const FlowRun = Type.Object({
  FlowRunId: Type.String(), FlowName: Type.String(), FlowVersion: Type.Integer(), Status: FlowRunStatus,
  CreationTime: Timestamp, EndTime: Type.Optional(Timestamp), FailureReason: Type.Optional(Type.String()),
  Outputs: Type.Array(Type.Object({ NodeId: Type.String(), S3Uri: Type.String(), Format: Type.String(), RowCount: Type.Optional(Type.Integer()), Bytes: Type.Optional(Type.Integer()) })),
  ProcessingJobName: Type.Optional(Type.String({ description: 'The processing job (built-in data-wrangler image) that runs the flow.' })),
  ProcessingJobArn: Type.Optional(Type.String()),
});
export const StartFlowRunInput = Input({ FlowName, Version: Type.Optional(Type.Integer({ minimum: 1 })) });
export const StartFlowRunOutput = FlowRun;
export const DescribeFlowRunInput = Input({ FlowRunId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9-]+$', description: 'The run id StartFlowRun returned.' }) });
export const DescribeFlowRunOutput = FlowRun;
export const ListFlowRunsInput = Input({
  FlowName: Type.Optional(FlowName),
  StatusEquals: Type.Optional(FlowRunStatus),
  MaxResults: Type.Optional(MaxResults), NextToken: Type.Optional(NextToken),
});
export const ListFlowRunsOutput = Output({ FlowRuns: Type.Array(FlowRun), NextToken: Type.Optional(Type.String()) });
