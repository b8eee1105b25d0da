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

/** Loam's own buckets, and the resources holding their objects. */
export interface OwnedBuckets {
  readonly tracking: TrackingService;
  readonly datasetBucket: string;
  readonly partition: Partition;
  readonly authorize: Authorizer;
}

const mlflowActionOf: Readonly<Record<DataAction, string>> = {
  's3:GetObject': 'sagemaker:GetMlflowArtifact', 's3:PutObject': 'sagemaker:PutMlflowArtifact', 's3:DeleteObject': 'sagemaker:DeleteMlflowArtifact',
};
type DatasetFolder = { readonly kind: 'dataset' | 'flow'; readonly actions: Readonly<Record<DataAction, string>> };
const datasetActions: DatasetFolder = { kind: 'dataset', actions: { 's3:GetObject': 'sagemaker:DescribeDataset', 's3:PutObject': 'sagemaker:ImportDatasetVersion', 's3:DeleteObject': 'sagemaker:DeleteDataset' } };
/** The resource each top folder of the dataset bucket holds objects of, and its action for each S3 action. */
const datasetFolders: Readonly<Record<string, DatasetFolder>> = {
  datasets: datasetActions,
  uploads: datasetActions,
  'flow-runs': { kind: 'flow', actions: { 's3:GetObject': 'sagemaker:DescribeFlow', 's3:PutObject': 'sagemaker:StartFlowRun', 's3:DeleteObject': 'sagemaker:DeleteFlow' } },
};

/**
 * The dataset or flow holding `key` of the dataset bucket (`<folder>/<name>/…`), when its name is whole:
 * always for an object, for a prefix only when it goes on past the name (`datasets/ab` may reach `abc`).
 */
export function datasetOwnerOf(key: string, scope: DataAccess['scope']): (DatasetFolder & { readonly name: string }) | undefined {
  const [top = '', name, ...rest] = key.split('/');
  const folder = Object.hasOwn(datasetFolders, top) ? datasetFolders[top] : undefined;
  return folder && name && (scope === 'object' || rest.length > 0) ? { ...folder, name } : undefined;
}

/**
 * Refuses `action` on one object of Loam's own buckets unless the caller may do what the artifact proxy
 * (every run and experiment holding it) or the dataset operations (its dataset or flow) would ask.
 * `isOurs`, when given, says whether a dataset or flow is this installation's: others' objects (another
 * installation over the same store) keep the S3 permission alone.
 */
export async function checkOwnedObject(o: OwnedBuckets, principal: Principal, action: DataAction, ref: ObjectRef, isOurs?: (kind: 'dataset' | 'flow', name: string) => Promise<boolean>): Promise<void> {
  if (ref.bucket === o.tracking.artifacts.bucket) {
    await new ArtifactProxyAccess(o.tracking, o.authorize, o.partition, principal).checkHeld(mlflowActionOf[action], ref);
    return;
  }
  if (ref.bucket !== o.datasetBucket) return;
  const owner = datasetOwnerOf(ref.key, 'object');
  if (!owner || (isOurs && !(await isOurs(owner.kind, owner.name)))) return;
  await o.authorize(principal, owner.actions[action], resourceArn(o.partition, owner.kind, owner.name));
}

export function ownedObjectsCheck(o: OwnedBuckets): OwnedObjectsCheck {
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
    const one = datasetOwnerOf(ref.key, access.scope);
    if (one) {
      for (const a of access.actions) await o.authorize(principal, one.actions[a], resourceArn(o.partition, one.kind, one.name));
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
