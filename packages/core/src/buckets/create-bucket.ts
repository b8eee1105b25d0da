import { isLoamError } from '../kernel/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';

/**
 * Creates a bucket as S3 does, for every face that creates one (the S3 API and the REST API Studio
 * uses), so they answer alike. Every bucket is the account's own: re-creating one succeeds in us-east-1
 * (S3's legacy compatibility there; it resets the ACLs, which Loam has none of) and is ResourceInUse in
 * every other region (S3's BucketAlreadyOwnedByYou).
 * @throws ResourceInUse (outside us-east-1), ValidationException (a bad name), and the store's errors.
 */
export async function createBucketAsS3(store: ArtifactStore, region: string, bucket: string): Promise<void> {
  try {
    await store.createBucket(bucket);
  } catch (e) {
    if (isLoamError(e) && e.code === 'ResourceInUse' && region === 'us-east-1') return;
    throw e;
  }
}
