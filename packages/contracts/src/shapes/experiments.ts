import { Type } from '@sinclair/typebox';
import { Input, Output } from './common.js';

/*
 * Experiment tracking (MLflow's model) in Loam's own REST style. Times are epoch milliseconds, as
 * MLflow keeps them; metric values that are not finite travel as "NaN", "Infinity" or "-Infinity".
 */

const Ms = Type.Integer({ minimum: 0, description: 'Epoch milliseconds.' });
const ExperimentId = Type.String({ pattern: '^[0-9]{1,15}$', description: 'A decimal experiment id; 0 is the Default experiment.' });
const RunId = Type.String({ pattern: '^[0-9a-f]{32}$', description: '32 lowercase hex digits.' });
const KeyValue = Type.Object({ Key: Type.String({ minLength: 1, maxLength: 250 }), Value: Type.String({ maxLength: 8000 }) }, { additionalProperties: false });
const ViewType = Type.Union([Type.Literal('ACTIVE_ONLY'), Type.Literal('DELETED_ONLY'), Type.Literal('ALL')], { description: 'Which lifecycle stages to list (default ACTIVE_ONLY).' });
const RunStatus = Type.Union(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].map((s) => Type.Literal(s)));
const Filter = Type.String({ maxLength: 8192, description: "MLflow's search grammar: `metrics.rmse < 0.5 AND params.lr = '0.01' AND tags.team ILIKE 'ml%'`." });
const OrderBy = Type.Array(Type.String({ maxLength: 512 }), { maxItems: 10, description: "Terms such as `metrics.rmse ASC`, `attributes.start_time DESC`." });
const MaxResults = Type.Integer({ minimum: 1, maximum: 50000 });
const NextToken = Type.String({ maxLength: 1024 });
/*
 * ListMlflowRuns' and ListMlflowExperiments' tokens hold the last item's value of each OrderBy term (a keyset,
 * core experiments/run-page-token.ts): up to 10 terms of a tag or param value (8,000 characters, up to 6 bytes
 * each as JSON) and their keys, in base64, about 700 KB at most. The other tokens here are offsets.
 */
const KeysetNextToken = Type.String({ maxLength: 1_048_576, description: 'Opaque token from a previous page, passed unchanged.' });
export const MetricValue = Type.Union([Type.Number(), Type.Literal('NaN'), Type.Literal('Infinity'), Type.Literal('-Infinity')]);

export const MlflowExperiment = Output({
  ExperimentId: Type.String(),
  Name: Type.String(),
  ArtifactLocation: Type.String(),
  LifecycleStage: Type.String(),
  CreationTime: Type.Number(),
  LastUpdateTime: Type.Number(),
  Tags: Type.Array(KeyValue),
});
export const MlflowRunInfo = Output({
  RunId: Type.String(),
  RunName: Type.String(),
  ExperimentId: Type.String(),
  UserId: Type.String(),
  Status: Type.String(),
  StartTime: Type.Number(),
  EndTime: Type.Optional(Type.Number()),
  LifecycleStage: Type.String(),
  ArtifactUri: Type.String(),
});
export const MlflowMetric = Output({ Key: Type.String(), Value: MetricValue, Timestamp: Type.Number(), Step: Type.Number() });
export const MlflowRun = Output({
  Info: MlflowRunInfo,
  Metrics: Type.Array(MlflowMetric, { description: 'The latest value of each metric.' }),
  Params: Type.Array(KeyValue),
  Tags: Type.Array(KeyValue),
  Inputs: Type.Array(Output({ Dataset: Output({ Name: Type.String(), Digest: Type.String(), SourceType: Type.String(), Source: Type.String(), Schema: Type.Optional(Type.String()), Profile: Type.Optional(Type.String()) }), Tags: Type.Array(KeyValue) })),
});

export const CreateMlflowExperimentInput = Input({ Name: Type.String({ minLength: 1, maxLength: 500 }), ArtifactLocation: Type.Optional(Type.String({ maxLength: 2048 })), Tags: Type.Optional(Type.Array(KeyValue, { maxItems: 100 })) });
export const CreateMlflowExperimentOutput = Output({ ExperimentId: Type.String() });
export const ExperimentIdInput = Input({ ExperimentId });
export const GetMlflowExperimentOutput = Output({ Experiment: MlflowExperiment });
export const ListMlflowExperimentsInput = Input({ Filter: Type.Optional(Filter), OrderBy: Type.Optional(OrderBy), ViewType: Type.Optional(ViewType), MaxResults: Type.Optional(MaxResults), NextToken: Type.Optional(KeysetNextToken) });
export const ListMlflowExperimentsOutput = Output({ Experiments: Type.Array(MlflowExperiment), NextToken: Type.Optional(Type.String()) });
export const UpdateMlflowExperimentInput = Input({ ExperimentId, NewName: Type.String({ minLength: 1, maxLength: 500 }) });
export const SetMlflowExperimentTagInput = Input({ ExperimentId, Key: Type.String({ minLength: 1, maxLength: 250 }), Value: Type.String({ maxLength: 5000 }) });

export const CreateMlflowRunInput = Input({ ExperimentId: Type.Optional(ExperimentId), RunName: Type.Optional(Type.String({ maxLength: 250 })), StartTime: Type.Optional(Ms), Tags: Type.Optional(Type.Array(KeyValue, { maxItems: 100 })) });
export const MlflowRunOutput = Output({ Run: MlflowRun });
export const RunIdInput = Input({ RunId });
export const ListMlflowRunsInput = Input({ ExperimentIds: Type.Array(ExperimentId, { minItems: 1, maxItems: 100 }), Filter: Type.Optional(Filter), OrderBy: Type.Optional(OrderBy), ViewType: Type.Optional(ViewType), MaxResults: Type.Optional(MaxResults), NextToken: Type.Optional(KeysetNextToken) });
export const ListMlflowRunsOutput = Output({ Runs: Type.Array(MlflowRun), NextToken: Type.Optional(Type.String()) });
export const UpdateMlflowRunInput = Input({ RunId, Status: Type.Optional(RunStatus), EndTime: Type.Optional(Ms), RunName: Type.Optional(Type.String({ minLength: 1, maxLength: 250 })) });
export const UpdateMlflowRunOutput = Output({ RunInfo: MlflowRunInfo });
export const LogMlflowBatchInput = Input({
  RunId,
  Metrics: Type.Optional(Type.Array(Type.Object({ Key: Type.String({ minLength: 1, maxLength: 250 }), Value: MetricValue, Timestamp: Type.Optional(Ms), Step: Type.Optional(Type.Integer()) }, { additionalProperties: false }), { maxItems: 1000 })),
  Params: Type.Optional(Type.Array(Type.Object({ Key: Type.String({ minLength: 1, maxLength: 250 }), Value: Type.String({ maxLength: 6000 }) }, { additionalProperties: false }), { maxItems: 100 })),
  Tags: Type.Optional(Type.Array(KeyValue, { maxItems: 100 })),
});
export const SetMlflowRunTagInput = Input({ RunId, Key: Type.String({ minLength: 1, maxLength: 250 }), Value: Type.String({ maxLength: 8000 }) });
export const DeleteMlflowRunTagInput = Input({ RunId, Key: Type.String({ minLength: 1, maxLength: 250 }) });
export const GetMlflowMetricHistoryInput = Input({ RunId, MetricKey: Type.String({ minLength: 1, maxLength: 250 }), MaxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 25000 })), NextToken: Type.Optional(NextToken) });
export const GetMlflowMetricHistoryOutput = Output({ Metrics: Type.Array(MlflowMetric), NextToken: Type.Optional(Type.String()) });
export const ListMlflowArtifactsInput = Input({ RunId, Path: Type.Optional(Type.String({ maxLength: 1024, description: "A folder relative to the run's artifact root." })) });
export const ListMlflowArtifactsOutput = Output({ RootUri: Type.String(), Files: Type.Array(Output({ Path: Type.String(), IsDir: Type.Boolean(), FileSize: Type.Optional(Type.Number()) })) });
