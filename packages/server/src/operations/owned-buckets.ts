import type { DataAccess, DataAction } from '@loam/contracts';
import { AccessDeniedError, ArtifactProxyAccess, evaluatePrefix, resourceArn, type ObjectRef, type Partition, type PolicyDocument, type Principal, type TrackingService } from '@loam/core';
import type { Authorizer } from './dispatcher.js';

/**
 * Checks a location of a request (ADR 0019) that lies in one of Loam's own buckets against the
 * permissions of what its objects belong to, after the caller's S3 permissions allowed it: a job
 * reading or writing `s3://loam-mlflow/…` or `s3://loam-datasets/…` must be allowed what the artifact
 * proxy or the dataset operations would ask. Throws AccessDeniedException.
 */
export type OwnedObjectsCheck = (principal: Principal, policies: readonly PolicyDocument[], access: DataAccess, ref: ObjectRef) => Promise<void>;

const mlflowActionOf: Readonly<Record<DataAction, string>> = {
  's3:GetObject': 'sagemaker:GetMlflowArtifact', 's3:PutObject': 'sagemaker:PutMlflowArtifact', 's3:DeleteObject': 'sagemaker:DeleteMlflowArtifact',
};
/** The resource each top folder of the dataset bucket holds objects of, and its action for each S3 action. */
export const datasetFolders: Readonly<Record<string, { kind: 'dataset' | 'flow'; actions: Readonly<Record<DataAction, string>> }>> = {
  datasets: { kind: 'dataset', actions: { 's3:GetObject': 'sagemaker:DescribeDataset', 's3:PutObject': 'sagemaker:ImportDatasetVersion', 's3:DeleteObject': 'sagemaker:DeleteDataset' } },
  uploads: { kind: 'dataset', actions: { 's3:GetObject': 'sagemaker:DescribeDataset', 's3:PutObject': 'sagemaker:ImportDatasetVersion', 's3:DeleteObject': 'sagemaker:DeleteDataset' } },
  'flow-runs': { kind: 'flow', actions: { 's3:GetObject': 'sagemaker:DescribeFlow', 's3:PutObject': 'sagemaker:StartFlowRun', 's3:DeleteObject': 'sagemaker:DeleteFlow' } },
};

export function ownedObjectsCheck(o: { tracking: TrackingService; datasetBucket: string; partition: Partition; authorize: Authorizer }): OwnedObjectsCheck {
  return async (principal, policies, access, ref) => {
    if (ref.bucket === o.tracking.artifacts.bucket) {
      const proxy = new ArtifactProxyAccess(o.tracking, o.authorize, o.partition, principal);
      for (const a of access.actions) {
        if (access.scope === 'prefix') await proxy.checkPrefix(mlflowActionOf[a], ref);
        else await proxy.checkHeld(mlflowActionOf[a], ref);
      }
      return;
    }
    if (ref.bucket !== o.datasetBucket) return;
    const [top = '', name, ...rest] = ref.key.split('/');
    const one = datasetFolders[top];
    // One dataset's (or flow's) objects: its name is whole (an object, or a prefix going on past it).
    if (one && name && (access.scope === 'object' || rest.length > 0)) {
      for (const a of access.actions) await o.authorize(principal, one.actions[a], resourceArn(o.partition, one.kind, name));
      return;
    }
    if (access.scope === 'object') return;
    // A prefix reaching several: allowed only when the action is allowed on every one it may reach.
    for (const [folder, f] of Object.entries(datasetFolders)) {
      const within = ref.key.startsWith(`${folder}/`);
      if (!within && !`${folder}/`.startsWith(ref.key)) continue;
      const partial = within ? ref.key.slice(folder.length + 1).toLowerCase() : '';
      const reached = `arn:loam:sagemaker:${o.partition.region}:${o.partition.accountId}:${f.kind}/${partial}`;
      for (const a of access.actions) {
        if (evaluatePrefix(policies, f.actions[a], reached) !== 'Allow') {
          throw new AccessDeniedError(`User: ${principal.arn} is not authorized to perform: ${f.actions[a]} on every resource ${reached}* (${access.field}: ${access.uri} holds their objects).`);
        }
      }
    }
  };
}
