import type { DataAction } from '@loam/contracts';
import type { Authorizer } from '../../operations/dispatcher.js';
import { checkOwnedObject, type OwnedBuckets } from '../../operations/owned-buckets.js';

/** What an S3 object action does, as a request's data access names it. */
const accessOf: Readonly<Record<string, DataAction>> = {
  's3:GetObject': 's3:GetObject',
  's3:GetObjectTagging': 's3:GetObject',
  's3:ListMultipartUploadParts': 's3:GetObject',
  's3:PutObject': 's3:PutObject',
  's3:AbortMultipartUpload': 's3:PutObject',
  's3:DeleteObject': 's3:DeleteObject',
};

/**
 * The S3 API's authorizer, holding objects of Loam's own buckets to the resources they belong to, as a
 * request's locations are (owned-buckets.ts): after the S3 permission, an object action on the MLflow
 * artifact bucket (`loam-mlflow`) is checked as the artifact proxy's (Get/Put/DeleteMlflowArtifact) on
 * every run and experiment holding the key (ADR 0009), so a user denied an experiment cannot read or
 * replace its models by going around the proxy; on the dataset bucket (`loam-datasets`),
 * `datasets/<name>/…` and `uploads/<name>/…` need the dataset's DescribeDataset to read,
 * ImportDatasetVersion to write, DeleteDataset to delete, `flow-runs/<flow>/…` the flow's DescribeFlow,
 * StartFlowRun, DeleteFlow (ADR 0012), so a version every flow and job trusts to be immutable cannot be
 * rewritten by whoever may write the bucket. Objects nothing here holds (a deleted run's, another
 * installation's over the same store, whose key has S3 permissions only) and bucket-level actions
 * (listings) keep the S3 permission alone.
 */
export function withOwnedObjects(o: OwnedBuckets & { readonly isOurs: (kind: 'dataset' | 'flow', name: string) => Promise<boolean> }): Authorizer {
  const prefix = 'arn:loam:s3:::';
  return async (principal, action, resource) => {
    await o.authorize(principal, action, resource);
    const access = accessOf[action];
    if (access === undefined || !resource.startsWith(prefix)) return;
    const slash = resource.indexOf('/', prefix.length);
    if (slash < 0) return;
    await checkOwnedObject(o, principal, access, { bucket: resource.slice(prefix.length, slash), key: resource.slice(slash + 1) }, o.isOurs);
  };
}
