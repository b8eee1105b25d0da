import type { DataAction } from '@loam/contracts';
import { resourceArn, type Partition } from '@loam/core';
import type { Authorizer } from '../../operations/dispatcher.js';
import { datasetFolders } from '../../operations/owned-buckets.js';

/** What an S3 object action does, as a request's data access names it. */
const accessOf: Readonly<Record<string, DataAction>> = {
  's3:GetObject': 's3:GetObject',
  's3:GetObjectTagging': 's3:GetObject',
  's3:ListMultipartUploadParts': 's3:GetObject',
  's3:PutObject': 's3:PutObject',
  's3:AbortMultipartUpload': 's3:PutObject',
  's3:DeleteObject': 's3:DeleteObject',
};

/** The dataset bucket, and whether a dataset or flow of that name is this installation's. */
export interface DatasetBucket {
  readonly bucket: string;
  readonly partition: Partition;
  readonly exists: (kind: 'dataset' | 'flow', name: string) => Promise<boolean>;
}

/**
 * The S3 API's authorizer, holding objects of Loam's dataset bucket (`loam-datasets`) to the dataset or
 * flow of this installation they belong to: after the S3 permission, reading `datasets/<name>/…` or
 * `uploads/<name>/…` also needs sagemaker:DescribeDataset on the dataset (PreviewDataset's permission),
 * writing it ImportDatasetVersion, deleting it DeleteDataset; `flow-runs/<flow>/…` the flow's
 * DescribeFlow, StartFlowRun, DeleteFlow. So a Deny on a dataset also covers its snapshots, and a
 * version (immutable, read by every flow and job that names it) cannot be rewritten by whoever may write
 * the bucket. Objects of no dataset or flow here (another installation's over the same store, whose key
 * has S3 permissions only), and bucket-level actions (listings), keep the S3 permission alone.
 */
export function withDatasetOwners(authorize: Authorizer, d: DatasetBucket): Authorizer {
  const prefix = `arn:loam:s3:::${d.bucket}/`;
  return async (principal, action, resource) => {
    await authorize(principal, action, resource);
    const access = accessOf[action];
    if (access === undefined || !resource.startsWith(prefix)) return;
    const [top, name] = resource.slice(prefix.length).split('/');
    const folder = top !== undefined ? datasetFolders[top] : undefined;
    if (!folder || !name || !(await d.exists(folder.kind, name))) return;
    await authorize(principal, folder.actions[access], resourceArn(d.partition, folder.kind, name));
  };
}
