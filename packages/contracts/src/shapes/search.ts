import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, TagList, Timestamp } from './common.js';
import { literals } from './jobs-common.js';
import { DescribeEndpointOutput } from './endpoints.js';
import { DescribeModelOutput } from './models.js';
import { DescribeModelPackageGroupOutput, DescribeModelPackageOutput } from './model-packages.js';
import { DescribeTrainingJobOutput } from './training-jobs.js';
import { DescribeHyperParameterTuningJobOutput } from './tuning-jobs.js';
import { DescribeExperimentOutput, DescribeTrialComponentOutput, DescribeTrialOutput } from './sagemaker-experiments.js';

/** Every value of SageMaker's ResourceType; Loam searches those in `searchableResources`. */
export const searchResourceTypes = [
  'TrainingJob', 'Experiment', 'ExperimentTrial', 'ExperimentTrialComponent', 'Endpoint', 'Model', 'ModelPackage', 'ModelPackageGroup',
  'Pipeline', 'PipelineExecution', 'FeatureGroup', 'FeatureMetadata', 'Image', 'ImageVersion', 'Project', 'HyperParameterTuningJob', 'ModelCard', 'PipelineVersion',
] as const;
export type SearchResourceType = (typeof searchResourceTypes)[number];

export const searchOperators = ['Equals', 'NotEquals', 'GreaterThan', 'GreaterThanOrEqualTo', 'LessThan', 'LessThanOrEqualTo', 'Contains', 'Exists', 'NotExists', 'In'] as const;
export type SearchOperator = (typeof searchOperators)[number];

const PropertyName = Type.String({ minLength: 1, maxLength: 255, description: 'A property of the resource, as a dotted path into its search record: `TrainingJobStatus`, `HyperParameters.eta`, `Tags.team`, `Metrics.validation:auc`, `InputDataConfig.ChannelName`.' });

export const SearchFilter = Type.Object({
  Name: PropertyName,
  Operator: Type.Optional(literals(searchOperators)),
  Value: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Text, a number, `true`/`false`, or for timestamps an ISO 8601 date-time (`2024-05-01T12:00:00`, UTC when no zone is given); for `In`, comma-separated values.' })),
}, { additionalProperties: false });
const FilterList = Type.Array(SearchFilter, { minItems: 1, maxItems: 20 });

export const SearchNestedFilters = Type.Object({
  NestedPropertyName: Type.String({ minLength: 1, maxLength: 255, description: 'A list property (`InputDataConfig`): every filter must hold for the same element.' }),
  Filters: FilterList,
}, { additionalProperties: false });

/** And/Or of filters, nested filters and sub-expressions: 50 of them at most in all, as in SageMaker. */
export const SearchExpression = Type.Recursive((This) => Type.Object({
  Filters: Type.Optional(FilterList),
  NestedFilters: Type.Optional(Type.Array(SearchNestedFilters, { minItems: 1, maxItems: 20 })),
  SubExpressions: Type.Optional(Type.Array(This, { minItems: 1, maxItems: 20 })),
  Operator: Type.Optional(literals(['And', 'Or'])),
}, { additionalProperties: false }), { $id: 'SearchExpression' });

export const SearchInput = Input({
  Resource: literals(searchResourceTypes),
  SearchExpression: Type.Optional(SearchExpression),
  SortBy: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'A property to sort by (default LastModifiedTime, or CreationTime where the resource has none).' })),
  SortOrder: Type.Optional(SortOrder),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
  CrossAccountFilterOption: Type.Optional(literals(['SameAccount', 'CrossAccount'], 'Loam has one account: SameAccount, or CrossAccount which finds nothing.')),
  VisibilityConditions: Type.Optional(Type.Array(Type.Object({
    Key: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: '`Tags.<key>` (required by Loam).' })),
    Value: Type.Optional(Type.String({ maxLength: 256, description: 'The tag\'s value (the empty value when absent).' })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 5, description: 'A resource holding a tag named here is found only when its value is the one given (one of those given for that key); a resource without the tag is found too. Besides the SearchExpression.' })),
});

const Tags = Output({ Tags: Type.Optional(TagList) });

/** A Describe answer as Search returns it: without the members SageMaker's search record lacks, with the resource's Tags. */
function described<T extends TObject, K extends keyof T['properties'] & string>(describe: T, describeOnly: readonly K[]) {
  return Type.Composite([Type.Omit(describe, describeOnly), Tags]);
}

const TrainingJobRecord = described(DescribeTrainingJobOutput, ['ProfilerRuleConfigurations', 'ProfilerRuleEvaluationStatuses', 'ProfilingStatus']);

/** The record of each resource Loam searches, by the SearchRecord member that holds it. */
export const searchRecordShapes = {
  TrainingJob: TrainingJobRecord,
  HyperParameterTuningJob: described(DescribeHyperParameterTuningJobOutput, []),
  ModelPackage: described(DescribeModelPackageOutput, []),
  ModelPackageGroup: described(DescribeModelPackageGroupOutput, []),
  Endpoint: described(DescribeEndpointOutput, ['LastDeploymentConfig', 'PendingDeploymentSummary']),
  // SageMaker's ModelDashboardModel: Loam fills its Model member (the model's endpoints and monitors are not joined).
  Model: Output({ Model: Type.Optional(described(DescribeModelOutput, [])) }),
  Experiment: described(DescribeExperimentOutput, []),
  // SageMaker's Trial: the trial's components, as ListTrialComponents names them.
  Trial: Type.Composite([described(DescribeTrialOutput, []), Output({
    TrialComponentSummaries: Type.Optional(Type.Array(Type.Object({
      TrialComponentName: Type.Optional(Type.String()), TrialComponentArn: Type.Optional(Type.String()),
      TrialComponentSource: Type.Optional(Type.Object({ SourceArn: Type.String(), SourceType: Type.Optional(Type.String()) })),
      CreationTime: Type.Optional(Timestamp),
    }))),
  })]),
  // SageMaker's TrialComponent: the trials holding the component and their experiments (`Parents.ExperimentName`),
  // and a training job's component its job's record (`SourceDetail.TrainingJob.HyperParameters.eta`).
  TrialComponent: Type.Composite([described(DescribeTrialComponentOutput, []), Output({
    SourceDetail: Type.Optional(Type.Object({ SourceArn: Type.Optional(Type.String()), TrainingJob: Type.Optional(TrainingJobRecord) })),
    Parents: Type.Optional(Type.Array(Type.Object({ TrialName: Type.Optional(Type.String()), ExperimentName: Type.Optional(Type.String()) }))),
  })]),
} satisfies Record<string, TSchema>;

export type SearchableResource = 'TrainingJob' | 'HyperParameterTuningJob' | 'ModelPackage' | 'ModelPackageGroup' | 'Endpoint' | 'Model' | 'Experiment' | 'ExperimentTrial' | 'ExperimentTrialComponent';
/** Resource values Loam searches, with the SearchRecord member each result is in. */
export const searchableResources: Readonly<Record<SearchableResource, keyof typeof searchRecordShapes>> = {
  TrainingJob: 'TrainingJob', HyperParameterTuningJob: 'HyperParameterTuningJob', ModelPackage: 'ModelPackage',
  ModelPackageGroup: 'ModelPackageGroup', Endpoint: 'Endpoint', Model: 'Model',
  Experiment: 'Experiment', ExperimentTrial: 'Trial', ExperimentTrialComponent: 'TrialComponent',
};

const r = searchRecordShapes;
export const SearchRecord = Output({
  TrainingJob: Type.Optional(r.TrainingJob), HyperParameterTuningJob: Type.Optional(r.HyperParameterTuningJob), ModelPackage: Type.Optional(r.ModelPackage),
  ModelPackageGroup: Type.Optional(r.ModelPackageGroup), Endpoint: Type.Optional(r.Endpoint), Model: Type.Optional(r.Model),
  Experiment: Type.Optional(r.Experiment), Trial: Type.Optional(r.Trial), TrialComponent: Type.Optional(r.TrialComponent),
});

export const TotalHits = Type.Object({
  Value: Type.Optional(Type.Integer({ minimum: 0, description: 'How many resources match: exactly, or at least this many (Relation).' })),
  Relation: Type.Optional(literals(['EqualTo', 'GreaterThanOrEqualTo'], 'EqualTo: Value is the count of matches; GreaterThanOrEqualTo: there are at least Value (Loam stopped counting).')),
});

export const SearchOutput = Output({
  Results: Type.Array(SearchRecord),
  NextToken: Type.Optional(NextToken),
  TotalHits: Type.Optional(TotalHits),
});

/** Whether a schema is a timestamp (epoch seconds on the wire, ISO 8601 in a filter's Value). */
export function isTimestampSchema(schema: TSchema): boolean {
  return (schema as { type?: unknown }).type === 'number' && schema.description === Timestamp.description;
}
