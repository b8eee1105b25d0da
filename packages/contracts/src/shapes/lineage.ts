import { Type } from '@sinclair/typebox';
import { Input, Output, Timestamp, StringMap } from './common.js';
import { literals } from './jobs-common.js';

// QueryLineage, AddAssociation and DeleteAssociation with SageMaker's member names. Loam's vertices are its resources by
// their own ARNs (jobs, models, packages, endpoint configs, endpoints, datasets) plus artifacts for data
// and model locations; a start may also be given as an `s3://` URI (Loam's extension).

export const AssociationType = literals(['ContributedTo', 'AssociatedWith', 'DerivedFrom', 'Produced', 'SameAs']);
export const LineageType = literals(['TrialComponent', 'Artifact', 'Context', 'Action']);
const EntityRef = Type.String({ minLength: 1, maxLength: 2048, description: 'A resource ARN, or an s3:// URI for a data or model location.' });
const String40 = Type.String({ maxLength: 40 });

export const QueryLineageInput = Input({
  StartArns: Type.Optional(Type.Array(EntityRef, { maxItems: 10 })),
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
  SourceUri: Type.Optional(Type.String({ description: 'Loam: the location an Artifact vertex stands for.' })),
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
