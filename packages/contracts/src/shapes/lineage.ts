import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, TagList, Timestamp, StringMap } from './common.js';
import { literals } from './jobs-common.js';

// QueryLineage, AddAssociation, DeleteAssociation, ListAssociations and the artifact operations with SageMaker's member names. Loam's vertices are its resources by
// their own ARNs (jobs, models, packages, endpoint configs, endpoints, datasets) plus artifacts for data
// and model locations; a start may also be given as an `s3://` URI (Loam's extension).

export const AssociationType = literals(['ContributedTo', 'AssociatedWith', 'DerivedFrom', 'Produced', 'SameAs']);
export const LineageType = literals(['TrialComponent', 'Artifact', 'Context', 'Action']);
const EntityRef = Type.String({ minLength: 1, maxLength: 2048, description: 'A resource ARN, or an s3:// URI for a data or model location.' });
const String40 = Type.String({ maxLength: 40 });

export const QueryLineageInput = Input({
  // SageMaker's QueryLineageStartArns: at most one start.
  StartArns: Type.Optional(Type.Array(EntityRef, { maxItems: 1 })),
  Direction: Type.Optional(literals(['Both', 'Ascendants', 'Descendants'])),
  IncludeEdges: Type.Optional(Type.Boolean()),
  Filters: Type.Optional(Type.Object({
    Types: Type.Optional(Type.Array(String40, { maxItems: 5 })),
    LineageTypes: Type.Optional(Type.Array(LineageType, { maxItems: 4 })),
    CreatedBefore: Type.Optional(Timestamp),
    CreatedAfter: Type.Optional(Timestamp),
    ModifiedBefore: Type.Optional(Timestamp),
    ModifiedAfter: Type.Optional(Timestamp),
    Properties: Type.Optional(StringMap({ maxLength: 256 }, Type.String({ maxLength: 256 }), { maxEntries: 5 })),
  }, { additionalProperties: false })),
  MaxDepth: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
  MaxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  NextToken: Type.Optional(Type.String({ maxLength: 8192 })),
});
export const Vertex = Output({
  Arn: Type.String(),
  Type: Type.String({ description: 'TrainingJob, ProcessingJob, TransformJob, DataSet, Model, ModelPackage, ModelGroup, ModelDeployment, Endpoint, …' }),
  LineageType,
});
export const Edge = Output({ SourceArn: Type.String(), DestinationArn: Type.String(), AssociationType: Type.String() });
export const QueryLineageOutput = Output({ Vertices: Type.Array(Vertex), Edges: Type.Array(Edge), NextToken: Type.Optional(Type.String()) });

export const AddAssociationInput = Input({
  SourceArn: EntityRef,
  DestinationArn: EntityRef,
  AssociationType: Type.Optional(AssociationType),
});
export const AddAssociationOutput = Output({ SourceArn: Type.String(), DestinationArn: Type.String() });

export const DeleteAssociationInput = Input({ SourceArn: EntityRef, DestinationArn: EntityRef });
export const DeleteAssociationOutput = Output({ SourceArn: Type.String(), DestinationArn: Type.String() });

const ArtifactArn = Type.String({ minLength: 1, maxLength: 256, description: 'An artifact ARN, as CreateArtifact, QueryLineage or ListArtifacts answer it (`arn:loam:sagemaker:…:artifact/<id>`; `arn:aws:…` is accepted too).' });
const ArtifactName = Type.String({ minLength: 1, maxLength: 120, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}$' });
const String256 = Type.String({ maxLength: 256 });
const Properties = StringMap({ maxLength: 256 }, Type.String({ maxLength: 256 }), { maxEntries: 30 });
export const ArtifactSource = Type.Object({
  SourceUri: Type.String({ minLength: 1, maxLength: 2048, description: 'The location the artifact stands for (`s3://…`, an image URI, …); one artifact per location.' }),
  SourceTypes: Type.Optional(Type.Array(Type.Object({
    SourceIdType: literals(['MD5Hash', 'S3ETag', 'S3Version', 'Custom']),
    Value: String256,
  }, { additionalProperties: false }), { maxItems: 20 })),
}, { additionalProperties: false });
const MetadataProperties = Type.Object({
  CommitId: Type.Optional(Type.String({ maxLength: 1024 })),
  Repository: Type.Optional(Type.String({ maxLength: 1024 })),
  GeneratedBy: Type.Optional(Type.String({ maxLength: 1024 })),
  ProjectId: Type.Optional(Type.String({ maxLength: 1024 })),
}, { additionalProperties: false });

export const CreateArtifactInput = Input({
  ArtifactName: Type.Optional(ArtifactName),
  Source: ArtifactSource,
  ArtifactType: Type.String({ minLength: 1, maxLength: 256, description: 'DataSet, Model, Image, …' }),
  Properties: Type.Optional(Properties),
  MetadataProperties: Type.Optional(MetadataProperties),
  Tags: Type.Optional(TagList),
});
export const CreateArtifactOutput = Output({ ArtifactArn: Type.String() });

export const DescribeArtifactInput = Input({ ArtifactArn });
export const DescribeArtifactOutput = Output({
  ArtifactName: Type.Optional(Type.String()),
  ArtifactArn: Type.String(),
  Source: ArtifactSource,
  ArtifactType: Type.String(),
  Properties: Type.Optional(Type.Record(Type.String(), Type.String())),
  CreationTime: Timestamp,
  LastModifiedTime: Timestamp,
  MetadataProperties: Type.Optional(MetadataProperties),
});

export const ListArtifactsInput = Input({
  SourceUri: Type.Optional(Type.String({ maxLength: 2048 })),
  ArtifactType: Type.Optional(String256),
  CreatedAfter: Type.Optional(Timestamp),
  CreatedBefore: Type.Optional(Timestamp),
  SortBy: Type.Optional(literals(['CreationTime'])),
  SortOrder: Type.Optional(SortOrder),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
});
export const ArtifactSummary = Output({
  ArtifactArn: Type.String(),
  ArtifactName: Type.Optional(Type.String()),
  Source: ArtifactSource,
  ArtifactType: Type.String(),
  CreationTime: Timestamp,
  LastModifiedTime: Timestamp,
});
export const ListArtifactsOutput = Output({ ArtifactSummaries: Type.Array(ArtifactSummary), NextToken: Type.Optional(Type.String()) });

export const DeleteArtifactInput = Input({ ArtifactArn: Type.Optional(ArtifactArn), Source: Type.Optional(ArtifactSource) });
export const DeleteArtifactOutput = Output({ ArtifactArn: Type.String() });

export const UpdateArtifactInput = Input({
  ArtifactArn,
  ArtifactName: Type.Optional(ArtifactName),
  Properties: Type.Optional(Properties),
  PropertiesToRemove: Type.Optional(Type.Array(String256, { maxItems: 30 })),
});
export const UpdateArtifactOutput = Output({ ArtifactArn: Type.String() });

export const ListAssociationsInput = Input({
  SourceArn: Type.Optional(EntityRef),
  DestinationArn: Type.Optional(EntityRef),
  SourceType: Type.Optional(String256),
  DestinationType: Type.Optional(String256),
  AssociationType: Type.Optional(AssociationType),
  CreatedAfter: Type.Optional(Timestamp),
  CreatedBefore: Type.Optional(Timestamp),
  SortBy: Type.Optional(literals(['SourceArn', 'DestinationArn', 'SourceType', 'DestinationType', 'CreationTime'])),
  SortOrder: Type.Optional(SortOrder),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
});
export const AssociationSummary = Output({
  SourceArn: Type.String(),
  DestinationArn: Type.String(),
  SourceType: Type.String(),
  DestinationType: Type.String(),
  AssociationType: Type.String(),
  SourceName: Type.Optional(Type.String()),
  DestinationName: Type.Optional(Type.String()),
  CreationTime: Timestamp,
});
export const ListAssociationsOutput = Output({ AssociationSummaries: Type.Array(AssociationSummary), NextToken: Type.Optional(Type.String()) });
