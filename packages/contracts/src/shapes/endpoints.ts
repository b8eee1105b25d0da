import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, ResourceName, SortOrder, TagList, Timestamp } from './common.js';
import { KmsKeyId, literals, RoleArn, VpcConfig } from './jobs-common.js';
import { ModelName } from './models.js';

const closed = { additionalProperties: false } as const;

export const EndpointName = ResourceName;
export const EndpointConfigName = ResourceName;
export const VariantName = ResourceName;
const DestinationS3Uri = Type.String({ maxLength: 512, pattern: '^(https|s3)://([^/])/?(.*)$' });

export const endpointStatuses = ['OutOfService', 'Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'InService', 'Deleting', 'Failed', 'UpdateRollbackFailed'] as const;
export const EndpointStatus = literals(endpointStatuses);
export const VariantStatusName = literals(['Creating', 'Updating', 'Deleting', 'ActivatingTraffic', 'Baking']);

export const ProductionVariant = Type.Object({
  VariantName,
  ModelName: Type.Optional(ModelName),
  InitialInstanceCount: Type.Optional(Type.Integer({ minimum: 1 })),
  InstanceType: Type.Optional(Type.String({ pattern: '^ml\\.[a-z0-9-]+\\.[a-z0-9]+$', description: 'An ml.* instance type; Loam records it and runs each instance as a local process or in-process server.' })),
  InitialVariantWeight: Type.Optional(Type.Number({ minimum: 0 })),
  AcceleratorType: Type.Optional(Type.String()),
  ServerlessConfig: Type.Optional(Type.Object({
    MemorySizeInMB: Type.Integer({ minimum: 1024, maximum: 6144 }),
    MaxConcurrency: Type.Integer({ minimum: 1, maximum: 200 }),
    ProvisionedConcurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  }, closed)),
  VolumeSizeInGB: Type.Optional(Type.Integer({ minimum: 1, maximum: 512 })),
  ModelDataDownloadTimeoutInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 3600 })),
  ContainerStartupHealthCheckTimeoutInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 3600 })),
  EnableSSMAccess: Type.Optional(Type.Boolean()),
  RoutingConfig: Type.Optional(Type.Object({ RoutingStrategy: literals(['LEAST_OUTSTANDING_REQUESTS', 'RANDOM']) }, closed)),
}, closed);

/** A content type without parameters (`text/csv`), SageMaker's pattern: it is compared with the request's type, parameters aside. */
const CaptureContentType = Type.String({ minLength: 1, maxLength: 256, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9])*\\/[a-zA-Z0-9](-*[a-zA-Z0-9.])*$' });

export const DataCaptureConfig = Type.Object({
  EnableCapture: Type.Optional(Type.Boolean()),
  InitialSamplingPercentage: Type.Integer({ minimum: 0, maximum: 100 }),
  DestinationS3Uri,
  KmsKeyId: Type.Optional(KmsKeyId),
  CaptureOptions: Type.Array(Type.Object({ CaptureMode: literals(['Input', 'Output', 'InputAndOutput']) }, closed), { minItems: 1, maxItems: 32 }),
  CaptureContentTypeHeader: Type.Optional(Type.Object({
    CsvContentTypes: Type.Optional(Type.Array(CaptureContentType, { minItems: 1, maxItems: 10 })),
    JsonContentTypes: Type.Optional(Type.Array(CaptureContentType, { minItems: 1, maxItems: 10 })),
  }, { ...closed, description: 'Content types captured as CSV or JSON text; any other payload, and every payload when this is absent, is captured base64-encoded (SageMaker\'s default).' })),
}, closed);

export const CapacitySize = Type.Object({ Type: literals(['INSTANCE_COUNT', 'CAPACITY_PERCENT']), Value: Type.Integer({ minimum: 1 }) }, closed);
export const DeploymentConfig = Type.Object({
  BlueGreenUpdatePolicy: Type.Optional(Type.Object({
    TrafficRoutingConfiguration: Type.Object({
      Type: literals(['ALL_AT_ONCE', 'CANARY', 'LINEAR']),
      WaitIntervalInSeconds: Type.Integer({ minimum: 0, maximum: 3600 }),
      CanarySize: Type.Optional(CapacitySize),
      LinearStepSize: Type.Optional(CapacitySize),
    }, closed),
    TerminationWaitInSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    MaximumExecutionTimeoutInSeconds: Type.Optional(Type.Integer({ minimum: 600, maximum: 28800 })),
  }, closed)),
  RollingUpdatePolicy: Type.Optional(Type.Object({
    MaximumBatchSize: CapacitySize,
    WaitIntervalInSeconds: Type.Integer({ minimum: 0, maximum: 3600 }),
    MaximumExecutionTimeoutInSeconds: Type.Optional(Type.Integer({ minimum: 600, maximum: 28800 })),
    RollbackMaximumBatchSize: Type.Optional(CapacitySize),
  }, closed)),
  AutoRollbackConfiguration: Type.Optional(Type.Object({
    Alarms: Type.Optional(Type.Array(Type.Object({ AlarmName: Type.String({ minLength: 1, maxLength: 255 }) }, closed), { minItems: 1, maxItems: 10 })),
  }, closed)),
}, closed);

export const CreateEndpointConfigInput = Input({
  EndpointConfigName,
  ProductionVariants: Type.Array(ProductionVariant, { minItems: 1, maxItems: 10 }),
  DataCaptureConfig: Type.Optional(DataCaptureConfig),
  Tags: Type.Optional(TagList),
  KmsKeyId: Type.Optional(KmsKeyId),
  ExecutionRoleArn: Type.Optional(RoleArn),
  VpcConfig: Type.Optional(VpcConfig),
  EnableNetworkIsolation: Type.Optional(Type.Boolean()),
});
export const CreateEndpointConfigOutput = Output({ EndpointConfigArn: Type.String() });
export const DescribeEndpointConfigInput = Input({ EndpointConfigName });
export const DescribeEndpointConfigOutput = Output({
  EndpointConfigName: Type.String(),
  EndpointConfigArn: Type.String(),
  ProductionVariants: Type.Array(ProductionVariant),
  DataCaptureConfig: Type.Optional(DataCaptureConfig),
  KmsKeyId: Type.Optional(Type.String()),
  CreationTime: Timestamp,
  ExecutionRoleArn: Type.Optional(Type.String()),
  VpcConfig: Type.Optional(VpcConfig),
  EnableNetworkIsolation: Type.Optional(Type.Boolean()),
});
const listWindow = {
  SortOrder: Type.Optional(SortOrder),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
  NameContains: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9-]*$' })),
  CreationTimeBefore: Type.Optional(Timestamp),
  CreationTimeAfter: Type.Optional(Timestamp),
};
export const ListEndpointConfigsInput = Input({ SortBy: Type.Optional(literals(['Name', 'CreationTime'])), ...listWindow });
export const ListEndpointConfigsOutput = Output({
  EndpointConfigs: Type.Array(Output({ EndpointConfigName: Type.String(), EndpointConfigArn: Type.String(), CreationTime: Timestamp })),
  NextToken: Type.Optional(Type.String()),
});
export const DeleteEndpointConfigInput = Input({ EndpointConfigName });

export const CreateEndpointInput = Input({ EndpointName, EndpointConfigName, DeploymentConfig: Type.Optional(DeploymentConfig), Tags: Type.Optional(TagList) });
export const EndpointArnOutput = Output({ EndpointArn: Type.String() });

const VariantStatus = Type.Array(Output({ Status: VariantStatusName, StatusMessage: Type.Optional(Type.String()), StartTime: Type.Optional(Timestamp) }));
const DeployedImages = Type.Array(Output({ SpecifiedImage: Type.Optional(Type.String()), ResolvedImage: Type.Optional(Type.String()), ResolutionTime: Type.Optional(Timestamp) }));
export const ProductionVariantSummary = Output({
  VariantName: Type.String(),
  DeployedImages: Type.Optional(DeployedImages),
  CurrentWeight: Type.Optional(Type.Number()),
  DesiredWeight: Type.Optional(Type.Number()),
  CurrentInstanceCount: Type.Optional(Type.Integer()),
  DesiredInstanceCount: Type.Optional(Type.Integer()),
  VariantStatus: Type.Optional(VariantStatus),
  RoutingConfig: Type.Optional(Type.Object({ RoutingStrategy: Type.String() })),
});
export const DescribeEndpointInput = Input({ EndpointName });
export const DescribeEndpointOutput = Output({
  EndpointName: Type.String(),
  EndpointArn: Type.String(),
  EndpointConfigName: Type.Optional(Type.String()),
  ProductionVariants: Type.Optional(Type.Array(ProductionVariantSummary)),
  DataCaptureConfig: Type.Optional(Output({
    EnableCapture: Type.Boolean(), CaptureStatus: literals(['Started', 'Stopped']), CurrentSamplingPercentage: Type.Integer(),
    DestinationS3Uri: Type.String(), KmsKeyId: Type.Optional(Type.String()),
  })),
  EndpointStatus,
  FailureReason: Type.Optional(Type.String()),
  CreationTime: Timestamp,
  LastModifiedTime: Timestamp,
  LastDeploymentConfig: Type.Optional(DeploymentConfig),
  PendingDeploymentSummary: Type.Optional(Output({
    EndpointConfigName: Type.String(),
    ProductionVariants: Type.Optional(Type.Array(ProductionVariantSummary)),
    StartTime: Type.Optional(Timestamp),
  })),
});
export const ListEndpointsInput = Input({
  SortBy: Type.Optional(literals(['Name', 'CreationTime', 'Status'])),
  ...listWindow,
  LastModifiedTimeBefore: Type.Optional(Timestamp),
  LastModifiedTimeAfter: Type.Optional(Timestamp),
  StatusEquals: Type.Optional(EndpointStatus),
});
export const ListEndpointsOutput = Output({
  Endpoints: Type.Array(Output({ EndpointName: Type.String(), EndpointArn: Type.String(), CreationTime: Timestamp, LastModifiedTime: Timestamp, EndpointStatus })),
  NextToken: Type.Optional(Type.String()),
});
export const UpdateEndpointInput = Input({
  EndpointName,
  EndpointConfigName,
  RetainAllVariantProperties: Type.Optional(Type.Boolean()),
  ExcludeRetainedVariantProperties: Type.Optional(Type.Array(Type.Object({ VariantPropertyType: literals(['DesiredInstanceCount', 'DesiredWeight', 'DataCaptureConfig']) }, closed), { maxItems: 3 })),
  DeploymentConfig: Type.Optional(DeploymentConfig),
  RetainDeploymentConfig: Type.Optional(Type.Boolean()),
});
export const UpdateEndpointWeightsAndCapacitiesInput = Input({
  EndpointName,
  DesiredWeightsAndCapacities: Type.Array(Type.Object({
    VariantName,
    DesiredWeight: Type.Optional(Type.Number({ minimum: 0 })),
    DesiredInstanceCount: Type.Optional(Type.Integer({ minimum: 0 })),
  }, closed), { minItems: 1 }),
});
export const DeleteEndpointInput = Input({ EndpointName });
