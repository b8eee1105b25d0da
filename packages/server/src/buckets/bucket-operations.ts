import type { InputOf, operations } from '@loam/contracts';
import { createBucketAsS3, type ArtifactStore, type Partition } from '@loam/core';

/**
 * HeadBucket and CreateBucket over the REST API (Studio's session has no SigV4 key for the S3 API).
 * Authorized by the dispatcher as s3:ListBucket / s3:CreateBucket on the bucket's ARN, as the S3 API is.
 */
export function bucketOperations(store: ArtifactStore, partition: Partition) {
  return {
    async HeadBucket(input: InputOf<typeof operations.HeadBucket>) {
      // A listing of one key: NotFoundError('Bucket', …) when the bucket does not exist.
      await store.list({ bucket: input.Bucket, maxKeys: 1 });
      return { Bucket: input.Bucket, BucketRegion: partition.region };
    },
    async CreateBucket(input: InputOf<typeof operations.CreateBucket>) {
      // As the S3 API answers it: an existing bucket is 200 in us-east-1 and ResourceInUse (409) elsewhere.
      await createBucketAsS3(store, partition.region, input.Bucket);
      return { Location: `/${input.Bucket}` };
    },
  };
}
