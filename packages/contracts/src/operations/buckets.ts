import { Type } from '@sinclair/typebox';
import { defineOperation } from '../operation.js';
import { Input, Output } from '../shapes/common.js';

// Loam operations over the artifact store's buckets, for clients without SigV4 (Studio's session, a
// bearer token): S3's HeadBucket and CreateBucket, authorized with S3's own actions on the bucket's ARN,
// so one policy covers them and the S3 API. Studio uses them for its default bucket (docs/studio.md).
const bucket = 'arn:loam:s3:::{Bucket}';
const base = { capability: 'buckets', aws: false, resource: bucket } as const;
const BucketName = Type.String({ minLength: 3, maxLength: 63, pattern: '^[a-z0-9][a-z0-9.-]*[a-z0-9]$', description: "An S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'." });

export const HeadBucket = defineOperation({
  ...base, name: 'HeadBucket', kind: 'describe', summary: "Tells whether a bucket exists (ResourceNotFound when it does not), as S3's HeadBucket; authorized as s3:ListBucket.",
  input: Input({ Bucket: BucketName }), output: Output({ Bucket: Type.String(), BucketRegion: Type.String() }), errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 's3:ListBucket', rest: { method: 'GET', path: '/api/v1/buckets/{Bucket}' },
});
export const CreateBucket = defineOperation({
  ...base, name: 'CreateBucket', kind: 'create', summary: "Creates a bucket in the artifact store, as S3's CreateBucket: re-creating an existing bucket succeeds in us-east-1 and is ResourceInUse in other regions. Loam never creates a job's output bucket itself.",
  input: Input({ Bucket: BucketName }), output: Output({ Location: Type.String() }), errors: ['ResourceInUse', 'ValidationException'],
  iamAction: 's3:CreateBucket', rest: { method: 'PUT', path: '/api/v1/buckets/{Bucket}' },
});
