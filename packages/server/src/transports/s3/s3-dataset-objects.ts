import { resourceArn, type Partition } from '@loam/core';
import type { Authorizer } from '../../operations/dispatcher.js';

type Access = 'read' | 'write' | 'delete';

/** What an S3 object action does to what the object belongs to. */
const accessOf: Readonly<Record<string, Access>> = {
  's3:GetObject': 'read',
  's3:GetObjectTagging': 'read',
  's3:ListMultipartUploadParts': 'read',
  's3:PutObject': 'write',
  's3:AbortMultipartUpload': 'write',
  's3:DeleteObject': 'delete',
};

/** The resource each top folder of the dataset bucket holds objects of, and its action for each access. */
const folders: Readonly<Record<string, { kind: 'dataset' | 'flow'; actions: Readonly<Record<Access, string>> }>> = {
  // A version's Parquet snapshot (datasets/<name>/v<N>/…) and an upload being imported (uploads/<name>/…).
  datasets: { kind: 'dataset', actions: { read: 'sagemaker:DescribeDataset', write: 'sagemaker:ImportDatasetVersion', delete: 'sagemaker:DeleteDataset' } },
  uploads: { kind: 'dataset', actions: { read: 'sagemaker:DescribeDataset', write: 'sagemaker:ImportDatasetVersion', delete: 'sagemaker:DeleteDataset' } },
  // A flow run's bound definition and manifest (flow-runs/<flow>/<run>/…).
  'flow-runs': { kind: 'flow', actions: { read: 'sagemaker:DescribeFlow', write: 'sagemaker:StartFlowRun', delete: 'sagemaker:DeleteFlow' } },
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
    const folder = top !== undefined ? folders[top] : undefined;
    if (!folder || !name || !(await d.exists(folder.kind, name))) return;
    await authorize(principal, folder.actions[access], resourceArn(d.partition, folder.kind, name));
  };
}
