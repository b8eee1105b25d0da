import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, TagList, Timestamp, StringMap } from './common.js';
import { literals, ProcessText, S3Uri } from './jobs-common.js';

// The Model Registry's shapes, with SageMaker's member names, enums and constraints (botocore model).
// ARN patterns accept Loam's partition (`arn:loam:…`) as well as AWS's, since clients echo back ARNs.

const closed = { additionalProperties: false } as const;

export const EntityName = Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$' });
/** Unicode letters, marks, symbols, digits and punctuation; the character rule is enforced in core. */
export const EntityDescription = Type.String({ maxLength: 1024 });
/** A group name or its ARN. */
export const GroupNameOrArn = Type.String({
  minLength: 1, maxLength: 170,
  pattern: '^(arn:[a-z-]+:sagemaker:[a-z0-9-]*:[0-9]{12}:[a-z-]*/)?[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$',
});
/** An unversioned package name, `<group>/<version>`, or either's ARN. */
export const VersionedNameOrArn = Type.String({
  minLength: 1, maxLength: 176,
  pattern: '^(arn:[a-z-]+:sagemaker:[a-z0-9-]*:[0-9]{12}:[a-z-]*/)?[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}(/[0-9]{1,9})?$',
});
export const ModelPackageArn = Type.String({ minLength: 1, maxLength: 2048, pattern: '^arn:[a-z-]+:sagemaker:[a-z0-9-]*:[0-9]{12}:model-package/\\S{1,2048}$' });

export const modelApprovalStatuses = ['Approved', 'Rejected', 'PendingManualApproval'] as const;
export const ModelApprovalStatus = literals(modelApprovalStatuses);
export const ModelPackageStatus = literals(['Pending', 'InProgress', 'Completed', 'Failed', 'Deleting']);
export const ModelPackageGroupStatus = literals(['Pending', 'InProgress', 'Completed', 'Failed', 'Deleting', 'DeleteFailed']);
export const ModelPackageRegistrationType = literals(['Logged', 'Registered']);

const Digest = Type.String({ maxLength: 72, pattern: '^[Ss][Hh][Aa]256:[0-9a-fA-F]{64}$' });
const ContentType = Type.String({ maxLength: 256 });
export const MetricsSource = Type.Object({ ContentType, ContentDigest: Type.Optional(Digest), S3Uri }, closed);
export const FileSource = Type.Object({ ContentType: Type.Optional(ContentType), ContentDigest: Type.Optional(Digest), S3Uri }, closed);
const StatsAndConstraints = Type.Object({ Statistics: Type.Optional(MetricsSource), Constraints: Type.Optional(MetricsSource) }, closed);

export const ModelMetrics = Type.Object({
  ModelQuality: Type.Optional(StatsAndConstraints),
  ModelDataQuality: Type.Optional(StatsAndConstraints),
  Bias: Type.Optional(Type.Object({ Report: Type.Optional(MetricsSource), PreTrainingReport: Type.Optional(MetricsSource), PostTrainingReport: Type.Optional(MetricsSource) }, closed)),
  Explainability: Type.Optional(Type.Object({ Report: Type.Optional(MetricsSource) }, closed)),
}, closed);

export const DriftCheckBaselines = Type.Object({
  Bias: Type.Optional(Type.Object({ ConfigFile: Type.Optional(FileSource), PreTrainingConstraints: Type.Optional(MetricsSource), PostTrainingConstraints: Type.Optional(MetricsSource) }, closed)),
  Explainability: Type.Optional(Type.Object({ Constraints: Type.Optional(MetricsSource), ConfigFile: Type.Optional(FileSource) }, closed)),
  ModelQuality: Type.Optional(StatsAndConstraints),
  ModelDataQuality: Type.Optional(StatsAndConstraints),
}, closed);

const Environment = StringMap({ maxLength: 1024, pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }, ProcessText(1024), { maxEntries: 100 });

export const ModelPackageContainerDefinition = Type.Object({
  ContainerHostname: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$' })),
  Image: Type.Optional(Type.String({ maxLength: 255, pattern: '^[\\S]+$' })),
  ImageDigest: Type.Optional(Digest),
  ModelDataUrl: Type.Optional(Type.String({ maxLength: 1024, pattern: '^(https|s3)://([^/]+)/?(.*)$' })),
  ProductId: Type.Optional(Type.String({ maxLength: 256 })),
  Environment: Type.Optional(Environment),
  ModelInput: Type.Optional(Type.Object({ DataInputConfig: Type.String({ minLength: 1, maxLength: 1024 }) }, closed)),
  Framework: Type.Optional(Type.String()),
  FrameworkVersion: Type.Optional(Type.String({ minLength: 3, maxLength: 10, pattern: '^[0-9]\\.[A-Za-z0-9.-]+$' })),
  NearestModelName: Type.Optional(Type.String()),
}, closed);

const InferenceSpecificationMembers = {
  Containers: Type.Array(ModelPackageContainerDefinition, { minItems: 1, maxItems: 15 }),
  SupportedTransformInstanceTypes: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  SupportedRealtimeInferenceInstanceTypes: Type.Optional(Type.Array(Type.String())),
  SupportedContentTypes: Type.Optional(Type.Array(ContentType)),
  SupportedResponseMIMETypes: Type.Optional(Type.Array(Type.String({ maxLength: 1024, pattern: '^[-\\w]+\\/.+$' }))),
};
export const InferenceSpecification = Type.Object(InferenceSpecificationMembers, closed);
export const AdditionalInferenceSpecification = Type.Object({
  Name: EntityName, Description: Type.Optional(EntityDescription), ...InferenceSpecificationMembers,
}, closed);

export const MetadataProperties = Type.Object({
  CommitId: Type.Optional(Type.String({ maxLength: 1024 })),
  Repository: Type.Optional(Type.String({ maxLength: 1024 })),
  GeneratedBy: Type.Optional(Type.String({ maxLength: 1024 })),
  ProjectId: Type.Optional(Type.String({ maxLength: 1024 })),
}, closed);

/** Keys and values follow the tag character rule (checked in core); 1–50 entries. */
/** SageMaker's CustomerMetadataKey length; its characters (Unicode classes) are checked by the model package service. */
export const CustomerMetadataKey = { minLength: 1, maxLength: 128 } as const;
export const CustomerMetadataProperties = StringMap(CustomerMetadataKey, Type.String({ minLength: 1, maxLength: 256 }), { minEntries: 1, maxEntries: 50 });

export const ModelLifeCycle = Type.Object({ Stage: EntityName, StageStatus: EntityName, StageDescription: Type.Optional(Type.String({ maxLength: 1024 })) }, closed);

/** Who created or last changed a resource, as SageMaker reports it. */
export const UserContext = Type.Object({
  UserProfileArn: Type.Optional(Type.String()),
  UserProfileName: Type.Optional(Type.String()),
  DomainId: Type.Optional(Type.String()),
  IamIdentity: Type.Optional(Type.Object({ Arn: Type.Optional(Type.String()), PrincipalId: Type.Optional(Type.String()), SourceIdentity: Type.Optional(Type.String()) })),
});

// --- groups ----------------------------------------------------------------------------------------

export const CreateModelPackageGroupInput = Input({
  ModelPackageGroupName: EntityName,
  ModelPackageGroupDescription: Type.Optional(EntityDescription),
  Tags: Type.Optional(TagList),
});
export const CreateModelPackageGroupOutput = Output({ ModelPackageGroupArn: Type.String() });

export const DescribeModelPackageGroupInput = Input({ ModelPackageGroupName: GroupNameOrArn });
export const DescribeModelPackageGroupOutput = Output({
  ModelPackageGroupName: Type.String(),
  ModelPackageGroupArn: Type.String(),
  ModelPackageGroupDescription: Type.Optional(Type.String()),
  CreationTime: Timestamp,
  CreatedBy: UserContext,
  ModelPackageGroupStatus,
});

export const ListModelPackageGroupsInput = Input({
  CreationTimeAfter: Type.Optional(Timestamp),
  CreationTimeBefore: Type.Optional(Timestamp),
  MaxResults: Type.Optional(MaxResults),
  NameContains: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9-]*$' })),
  NextToken: Type.Optional(NextToken),
  SortBy: Type.Optional(literals(['Name', 'CreationTime'])),
  SortOrder: Type.Optional(SortOrder),
  CrossAccountFilterOption: Type.Optional(literals(['SameAccount', 'CrossAccount'])),
});
export const ModelPackageGroupSummary = Output({
  ModelPackageGroupName: Type.String(),
  ModelPackageGroupArn: Type.String(),
  ModelPackageGroupDescription: Type.Optional(Type.String()),
  CreationTime: Timestamp,
  ModelPackageGroupStatus,
});
export const ListModelPackageGroupsOutput = Output({ ModelPackageGroupSummaryList: Type.Array(ModelPackageGroupSummary), NextToken: Type.Optional(Type.String()) });

export const DeleteModelPackageGroupInput = Input({ ModelPackageGroupName: GroupNameOrArn });

// --- packages --------------------------------------------------------------------------------------

export const CreateModelPackageInput = Input({
  ModelPackageName: Type.Optional(EntityName),
  ModelPackageGroupName: Type.Optional(GroupNameOrArn),
  ModelPackageDescription: Type.Optional(EntityDescription),
  ModelPackageRegistrationType: Type.Optional(ModelPackageRegistrationType),
  InferenceSpecification: Type.Optional(InferenceSpecification),
  CertifyForMarketplace: Type.Optional(Type.Boolean()),
  Tags: Type.Optional(TagList),
  ModelApprovalStatus: Type.Optional(ModelApprovalStatus),
  MetadataProperties: Type.Optional(MetadataProperties),
  ModelMetrics: Type.Optional(ModelMetrics),
  ClientToken: Type.Optional(Type.String({ minLength: 1, maxLength: 36, pattern: '^[a-zA-Z0-9-]+$' })),
  Domain: Type.Optional(Type.String()),
  Task: Type.Optional(Type.String()),
  SamplePayloadUrl: Type.Optional(S3Uri),
  CustomerMetadataProperties: Type.Optional(CustomerMetadataProperties),
  DriftCheckBaselines: Type.Optional(DriftCheckBaselines),
  AdditionalInferenceSpecifications: Type.Optional(Type.Array(AdditionalInferenceSpecification, { minItems: 1, maxItems: 15 })),
  SkipModelValidation: Type.Optional(literals(['All', 'None'])),
  SourceUri: Type.Optional(Type.String({ maxLength: 1024 })),
  ModelLifeCycle: Type.Optional(ModelLifeCycle),
});
export const CreateModelPackageOutput = Output({ ModelPackageArn: Type.String() });

export const DescribeModelPackageInput = Input({ ModelPackageName: VersionedNameOrArn, IncludedData: Type.Optional(literals(['AllData', 'MetadataOnly'])) });
export const ModelPackageStatusItem = Type.Object({ Name: Type.String(), Status: literals(['NotStarted', 'InProgress', 'Completed', 'Failed']), FailureReason: Type.Optional(Type.String()) });
export const DescribeModelPackageOutput = Output({
  ModelPackageName: Type.String(),
  ModelPackageGroupName: Type.Optional(Type.String()),
  ModelPackageVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  ModelPackageRegistrationType: Type.Optional(ModelPackageRegistrationType),
  ModelPackageArn: Type.String(),
  ModelPackageDescription: Type.Optional(Type.String()),
  CreationTime: Timestamp,
  InferenceSpecification: Type.Optional(InferenceSpecification),
  ModelPackageStatus,
  ModelPackageStatusDetails: Type.Object({ ValidationStatuses: Type.Array(ModelPackageStatusItem), ImageScanStatuses: Type.Optional(Type.Array(ModelPackageStatusItem)) }),
  CertifyForMarketplace: Type.Optional(Type.Boolean()),
  ModelApprovalStatus: Type.Optional(ModelApprovalStatus),
  CreatedBy: Type.Optional(UserContext),
  MetadataProperties: Type.Optional(MetadataProperties),
  ModelMetrics: Type.Optional(ModelMetrics),
  LastModifiedTime: Type.Optional(Timestamp),
  LastModifiedBy: Type.Optional(UserContext),
  ApprovalDescription: Type.Optional(Type.String()),
  Domain: Type.Optional(Type.String()),
  Task: Type.Optional(Type.String()),
  SamplePayloadUrl: Type.Optional(Type.String()),
  CustomerMetadataProperties: Type.Optional(Type.Record(Type.String(), Type.String())),
  DriftCheckBaselines: Type.Optional(DriftCheckBaselines),
  AdditionalInferenceSpecifications: Type.Optional(Type.Array(AdditionalInferenceSpecification)),
  SkipModelValidation: Type.Optional(literals(['All', 'None'])),
  SourceUri: Type.Optional(Type.String()),
  ModelLifeCycle: Type.Optional(ModelLifeCycle),
});

export const ListModelPackagesInput = Input({
  CreationTimeAfter: Type.Optional(Timestamp),
  CreationTimeBefore: Type.Optional(Timestamp),
  MaxResults: Type.Optional(MaxResults),
  NameContains: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9-]*$' })),
  ModelApprovalStatus: Type.Optional(ModelApprovalStatus),
  ModelPackageGroupName: Type.Optional(GroupNameOrArn),
  ModelPackageType: Type.Optional(literals(['Versioned', 'Unversioned', 'Both'])),
  NextToken: Type.Optional(NextToken),
  SortBy: Type.Optional(literals(['Name', 'CreationTime'])),
  SortOrder: Type.Optional(SortOrder),
});
export const ModelPackageSummary = Output({
  ModelPackageName: Type.Optional(Type.String()),
  ModelPackageGroupName: Type.Optional(Type.String()),
  ModelPackageVersion: Type.Optional(Type.Integer()),
  ModelPackageArn: Type.String(),
  ModelPackageDescription: Type.Optional(Type.String()),
  CreationTime: Timestamp,
  ModelPackageStatus,
  ModelApprovalStatus: Type.Optional(ModelApprovalStatus),
  ModelLifeCycle: Type.Optional(ModelLifeCycle),
  ModelPackageRegistrationType: Type.Optional(ModelPackageRegistrationType),
});
export const ListModelPackagesOutput = Output({ ModelPackageSummaryList: Type.Array(ModelPackageSummary), NextToken: Type.Optional(Type.String()) });

export const UpdateModelPackageInput = Input({
  ModelPackageArn,
  ModelApprovalStatus: Type.Optional(ModelApprovalStatus),
  ModelPackageRegistrationType: Type.Optional(ModelPackageRegistrationType),
  ApprovalDescription: Type.Optional(Type.String({ maxLength: 1024 })),
  CustomerMetadataProperties: Type.Optional(CustomerMetadataProperties),
  CustomerMetadataPropertiesToRemove: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }))),
  AdditionalInferenceSpecificationsToAdd: Type.Optional(Type.Array(AdditionalInferenceSpecification, { minItems: 1, maxItems: 15 })),
  InferenceSpecification: Type.Optional(InferenceSpecification),
  SourceUri: Type.Optional(Type.String({ maxLength: 1024 })),
  ModelLifeCycle: Type.Optional(ModelLifeCycle),
  ClientToken: Type.Optional(Type.String({ minLength: 1, maxLength: 36, pattern: '^[a-zA-Z0-9-]+$' })),
});
export const UpdateModelPackageOutput = Output({ ModelPackageArn: Type.String() });

export const DeleteModelPackageInput = Input({ ModelPackageName: VersionedNameOrArn });

// --- approval events (Loam; the detail of SageMaker's "SageMaker Model Package State Change" event) --

export const ModelPackageEvent = Output({
  EventId: Type.String(),
  Time: Timestamp,
  ModelPackageArn: Type.String(),
  ModelPackageGroupName: Type.Optional(Type.String()),
  ModelPackageVersion: Type.Optional(Type.Integer()),
  PreviousApprovalStatus: Type.Optional(ModelApprovalStatus),
  ModelApprovalStatus,
  ApprovalDescription: Type.Optional(Type.String()),
  ChangedBy: UserContext,
});
export const ListModelPackageEventsInput = Input({
  ModelPackageGroupName: Type.Optional(GroupNameOrArn),
  ModelPackageArn: Type.Optional(ModelPackageArn),
  After: Type.Optional(Timestamp),
  MaxResults: Type.Optional(MaxResults),
  NextToken: Type.Optional(NextToken),
});
export const ListModelPackageEventsOutput = Output({ Events: Type.Array(ModelPackageEvent), NextToken: Type.Optional(Type.String()) });
