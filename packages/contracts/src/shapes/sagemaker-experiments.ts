import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, StringMap, TagList, Timestamp } from './common.js';
import { ExperimentEntityName, literals } from './jobs-common.js';

// SageMaker's Experiments API (CreateExperiment, CreateTrial, CreateTrialComponent, …) with botocore's
// member names. A SageMaker experiment is the MLflow experiment of the same name, a trial component is
// an MLflow run, a trial groups trial components of one experiment (ADR 0009).

const Description = Type.String({ maxLength: 3072 });
const Source = Type.Object({ SourceArn: Type.String(), SourceType: Type.Optional(Type.String()) });
const UserContext = Type.Object({ UserProfileArn: Type.Optional(Type.String()), UserProfileName: Type.Optional(Type.String()), DomainId: Type.Optional(Type.String()) });
const SortBy = literals(['Name', 'CreationTime']);
const ListPage = {
  CreatedAfter: Type.Optional(Timestamp),
  CreatedBefore: Type.Optional(Timestamp),
  SortBy: Type.Optional(SortBy),
  SortOrder: Type.Optional(SortOrder),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
};

export const CreateExperimentInput = Input({
  ExperimentName: ExperimentEntityName,
  DisplayName: Type.Optional(ExperimentEntityName),
  Description: Type.Optional(Description),
  Tags: Type.Optional(TagList),
});
export const ExperimentArnOutput = Output({ ExperimentArn: Type.String() });
export const ExperimentNameInput = Input({ ExperimentName: ExperimentEntityName });
export const DescribeExperimentOutput = Output({
  ExperimentName: Type.String(),
  ExperimentArn: Type.String(),
  DisplayName: Type.Optional(Type.String()),
  Source: Type.Optional(Source),
  Description: Type.Optional(Type.String()),
  CreationTime: Timestamp,
  CreatedBy: Type.Optional(UserContext),
  LastModifiedTime: Timestamp,
  LastModifiedBy: Type.Optional(UserContext),
});
export const ListExperimentsInput = Input({ ...ListPage });
export const ListExperimentsOutput = Output({
  ExperimentSummaries: Type.Array(Type.Object({
    ExperimentArn: Type.String(),
    ExperimentName: Type.String(),
    DisplayName: Type.Optional(Type.String()),
    ExperimentSource: Type.Optional(Source),
    CreationTime: Timestamp,
    LastModifiedTime: Timestamp,
  })),
  NextToken: Type.Optional(Type.String()),
});
export const UpdateExperimentInput = Input({
  ExperimentName: ExperimentEntityName,
  DisplayName: Type.Optional(ExperimentEntityName),
  Description: Type.Optional(Description),
});

const MetadataPropertyValue = Type.String({ maxLength: 1024 });
export const MetadataProperties = Type.Object({
  CommitId: Type.Optional(MetadataPropertyValue),
  Repository: Type.Optional(MetadataPropertyValue),
  GeneratedBy: Type.Optional(MetadataPropertyValue),
  ProjectId: Type.Optional(MetadataPropertyValue),
}, { additionalProperties: false });

export const TrialComponentPrimaryStatus = literals(['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped']);
export const TrialComponentStatus = Type.Object({
  PrimaryStatus: Type.Optional(TrialComponentPrimaryStatus),
  Message: Type.Optional(Type.String({ maxLength: 1024 })),
}, { additionalProperties: false });
export const TrialComponentParameterValue = Type.Object({
  StringValue: Type.Optional(Type.String({ maxLength: 2500 })),
  NumberValue: Type.Optional(Type.Number()),
}, { additionalProperties: false, description: 'Exactly one of StringValue and NumberValue.' });
/** botocore's TrialComponentParameters: up to 300, names up to 320 characters, StringValue up to 2500. */
export const TrialComponentParameters = StringMap({ maxLength: 320 }, TrialComponentParameterValue, { maxEntries: 300 });
export const TrialComponentArtifact = Type.Object({
  MediaType: Type.Optional(Type.String({ maxLength: 64, pattern: '^[-\\w]+\\/[-\\w+]+$' })),
  Value: Type.String({ maxLength: 2048 }),
}, { additionalProperties: false });
/** botocore's TrialComponentArtifacts: up to 60, names up to 128 characters. */
export const TrialComponentArtifacts = StringMap({ maxLength: 128 }, TrialComponentArtifact, { maxEntries: 60 });
const KeyList = Type.Array(Type.String({ maxLength: 256 }));

/** A trial component's name, or its ARN (DescribeTrialComponent takes either). */
export const ExperimentEntityNameOrArn = Type.String({
  minLength: 1, maxLength: 256,
  pattern: '^(arn:[a-z-]+:sagemaker:[a-z0-9-]*:[0-9]{12}:(experiment|experiment-trial|experiment-trial-component|artifact|action|context)/)?([a-zA-Z0-9](-*[a-zA-Z0-9]){0,119})$',
});

export const CreateTrialComponentInput = Input({
  TrialComponentName: ExperimentEntityName,
  DisplayName: Type.Optional(ExperimentEntityName),
  Status: Type.Optional(TrialComponentStatus),
  StartTime: Type.Optional(Timestamp),
  EndTime: Type.Optional(Timestamp),
  Parameters: Type.Optional(TrialComponentParameters),
  InputArtifacts: Type.Optional(TrialComponentArtifacts),
  OutputArtifacts: Type.Optional(TrialComponentArtifacts),
  MetadataProperties: Type.Optional(MetadataProperties),
  Tags: Type.Optional(TagList),
});
export const TrialComponentArnOutput = Output({ TrialComponentArn: Type.String() });
export const DescribeTrialComponentInput = Input({ TrialComponentName: ExperimentEntityNameOrArn });
export const TrialComponentNameInput = Input({ TrialComponentName: ExperimentEntityName });
const MetricSummary = Type.Object({
  MetricName: Type.String(),
  SourceArn: Type.Optional(Type.String()),
  TimeStamp: Type.Optional(Timestamp),
  Max: Type.Optional(Type.Number()),
  Min: Type.Optional(Type.Number()),
  Last: Type.Optional(Type.Number()),
  Count: Type.Optional(Type.Integer()),
  Avg: Type.Optional(Type.Number()),
  StdDev: Type.Optional(Type.Number()),
});
const ParameterOut = Type.Object({ StringValue: Type.Optional(Type.String()), NumberValue: Type.Optional(Type.Number()) });
const ArtifactOut = Type.Object({ MediaType: Type.Optional(Type.String()), Value: Type.String() });
export const DescribeTrialComponentOutput = Output({
  TrialComponentName: Type.String(),
  TrialComponentArn: Type.String(),
  DisplayName: Type.Optional(Type.String()),
  Source: Type.Optional(Source),
  Status: Type.Optional(Type.Object({ PrimaryStatus: Type.Optional(Type.String()), Message: Type.Optional(Type.String()) })),
  StartTime: Type.Optional(Timestamp),
  EndTime: Type.Optional(Timestamp),
  CreationTime: Timestamp,
  CreatedBy: Type.Optional(UserContext),
  LastModifiedTime: Timestamp,
  LastModifiedBy: Type.Optional(UserContext),
  Parameters: Type.Optional(Type.Record(Type.String(), ParameterOut)),
  InputArtifacts: Type.Optional(Type.Record(Type.String(), ArtifactOut)),
  OutputArtifacts: Type.Optional(Type.Record(Type.String(), ArtifactOut)),
  MetadataProperties: Type.Optional(MetadataProperties),
  Metrics: Type.Optional(Type.Array(MetricSummary)),
});
export const ListTrialComponentsInput = Input({
  ExperimentName: Type.Optional(ExperimentEntityName),
  TrialName: Type.Optional(ExperimentEntityName),
  SourceArn: Type.Optional(Type.String({ maxLength: 256 })),
  ...ListPage,
});
export const ListTrialComponentsOutput = Output({
  TrialComponentSummaries: Type.Array(Type.Object({
    TrialComponentName: Type.String(),
    TrialComponentArn: Type.String(),
    DisplayName: Type.Optional(Type.String()),
    TrialComponentSource: Type.Optional(Source),
    Status: Type.Optional(Type.Object({ PrimaryStatus: Type.Optional(Type.String()), Message: Type.Optional(Type.String()) })),
    StartTime: Type.Optional(Timestamp),
    EndTime: Type.Optional(Timestamp),
    CreationTime: Timestamp,
    CreatedBy: Type.Optional(UserContext),
    LastModifiedTime: Timestamp,
    LastModifiedBy: Type.Optional(UserContext),
  })),
  NextToken: Type.Optional(Type.String()),
});
export const UpdateTrialComponentInput = Input({
  TrialComponentName: ExperimentEntityName,
  DisplayName: Type.Optional(ExperimentEntityName),
  Status: Type.Optional(TrialComponentStatus),
  StartTime: Type.Optional(Timestamp),
  EndTime: Type.Optional(Timestamp),
  Parameters: Type.Optional(TrialComponentParameters),
  ParametersToRemove: Type.Optional(KeyList),
  InputArtifacts: Type.Optional(TrialComponentArtifacts),
  InputArtifactsToRemove: Type.Optional(KeyList),
  OutputArtifacts: Type.Optional(TrialComponentArtifacts),
  OutputArtifactsToRemove: Type.Optional(KeyList),
});

export const CreateTrialInput = Input({
  TrialName: ExperimentEntityName,
  DisplayName: Type.Optional(ExperimentEntityName),
  ExperimentName: ExperimentEntityName,
  MetadataProperties: Type.Optional(MetadataProperties),
  Tags: Type.Optional(TagList),
});
export const TrialArnOutput = Output({ TrialArn: Type.String() });
export const TrialNameInput = Input({ TrialName: ExperimentEntityName });
export const DescribeTrialOutput = Output({
  TrialName: Type.String(),
  TrialArn: Type.String(),
  DisplayName: Type.Optional(Type.String()),
  ExperimentName: Type.String(),
  Source: Type.Optional(Source),
  CreationTime: Timestamp,
  CreatedBy: Type.Optional(UserContext),
  LastModifiedTime: Timestamp,
  LastModifiedBy: Type.Optional(UserContext),
  MetadataProperties: Type.Optional(MetadataProperties),
});
export const ListTrialsInput = Input({
  ExperimentName: Type.Optional(ExperimentEntityName),
  TrialComponentName: Type.Optional(ExperimentEntityName),
  ...ListPage,
});
export const ListTrialsOutput = Output({
  TrialSummaries: Type.Array(Type.Object({
    TrialArn: Type.String(),
    TrialName: Type.String(),
    DisplayName: Type.Optional(Type.String()),
    TrialSource: Type.Optional(Source),
    CreationTime: Timestamp,
    LastModifiedTime: Timestamp,
  })),
  NextToken: Type.Optional(Type.String()),
});
export const UpdateTrialInput = Input({ TrialName: ExperimentEntityName, DisplayName: Type.Optional(ExperimentEntityName) });
export const TrialComponentAssociationInput = Input({ TrialComponentName: ExperimentEntityName, TrialName: ExperimentEntityName });
export const TrialComponentAssociationOutput = Output({ TrialComponentArn: Type.String(), TrialArn: Type.String() });
