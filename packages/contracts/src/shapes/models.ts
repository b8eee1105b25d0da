import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, SortOrder, TagList, Timestamp, StringMap } from './common.js';
import { literals, ProcessText, RoleArn, VpcConfig } from './jobs-common.js';

const closed = { additionalProperties: false } as const;

/** SageMaker's ModelName rule (no consecutive-hyphen form, unlike most names). */
export const ModelName = Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?$' });
export const ModelDataUrl = Type.String({ maxLength: 1024, pattern: '^(https|s3)://([^/]+)/?(.*)$' });

const Environment = StringMap({ maxLength: 1024, pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }, ProcessText(1024), { maxEntries: 100 });

export const ContainerDefinition = Type.Object({
  ContainerHostname: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$' })),
  Image: Type.Optional(Type.String({ maxLength: 255, pattern: '^[\\S]+$', description: 'A built-in algorithm or framework image URI (by repository name) or a process image from config.' })),
  ImageConfig: Type.Optional(Type.Object({ RepositoryAccessMode: literals(['Platform', 'Vpc']) }, closed)),
  Mode: Type.Optional(literals(['SingleModel', 'MultiModel'])),
  ModelDataUrl: Type.Optional(ModelDataUrl),
  Environment: Type.Optional(Environment),
  ModelPackageName: Type.Optional(Type.String({ minLength: 1, maxLength: 176 })),
}, closed);

export const CreateModelInput = Input({
  ModelName,
  PrimaryContainer: Type.Optional(ContainerDefinition),
  Containers: Type.Optional(Type.Array(ContainerDefinition, { maxItems: 15 })),
  InferenceExecutionConfig: Type.Optional(Type.Object({ Mode: literals(['Serial', 'Direct']) }, closed)),
  ExecutionRoleArn: Type.Optional(RoleArn),
  Tags: Type.Optional(TagList),
  VpcConfig: Type.Optional(VpcConfig),
  EnableNetworkIsolation: Type.Optional(Type.Boolean()),
});
export const CreateModelOutput = Output({ ModelArn: Type.String() });

export const DescribeModelInput = Input({ ModelName });
export const DescribeModelOutput = Output({
  ModelName: Type.String(),
  PrimaryContainer: Type.Optional(ContainerDefinition),
  Containers: Type.Optional(Type.Array(ContainerDefinition)),
  InferenceExecutionConfig: Type.Optional(Type.Object({ Mode: Type.String() })),
  ExecutionRoleArn: Type.Optional(Type.String()),
  VpcConfig: Type.Optional(VpcConfig),
  CreationTime: Timestamp,
  ModelArn: Type.String(),
  EnableNetworkIsolation: Type.Optional(Type.Boolean()),
});

export const ListModelsInput = Input({
  SortBy: Type.Optional(literals(['Name', 'CreationTime'])),
  SortOrder: Type.Optional(SortOrder),
  NextToken: Type.Optional(NextToken),
  MaxResults: Type.Optional(MaxResults),
  NameContains: Type.Optional(Type.String({ maxLength: 63, pattern: '^[a-zA-Z0-9-]*$' })),
  CreationTimeBefore: Type.Optional(Timestamp),
  CreationTimeAfter: Type.Optional(Timestamp),
});
export const ModelSummary = Output({ ModelName: Type.String(), ModelArn: Type.String(), CreationTime: Timestamp });
export const ListModelsOutput = Output({ Models: Type.Array(ModelSummary), NextToken: Type.Optional(Type.String()) });

export const DeleteModelInput = Input({ ModelName });
