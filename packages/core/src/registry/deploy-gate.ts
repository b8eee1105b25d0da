import { DEPLOYMENT_APPROVAL_NOT_REQUIRED, DEPLOYMENT_APPROVAL_REQUIRED, DEPLOYMENT_APPROVAL_TAG } from '@loam/contracts';
import { ValidationError } from '../kernel/errors.js';
import type { Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { deploymentApprovalOf, mayDeploy } from './approval-rules.js';
import { packageRefOf } from './package-refs.js';
import { modelPackageGroupsCollection, modelPackagesCollection } from './registry.collections.js';

/** A model container as a package supplies it to CreateModel. */
export interface PackageContainer {
  readonly Image?: string;
  readonly ModelDataUrl?: string;
  readonly Environment?: Readonly<Record<string, string>>;
  readonly ContainerHostname?: string;
  /** The package it came from. */
  readonly modelPackageArn: string;
}

/**
 * The container a model gets from `ModelPackageName` (CreateModel's "deploy from the registry"), after
 * the group's deployment rule: a versioned package must be Approved (SageMaker's rule), or at least
 * not Rejected when the group is tagged `loam:deployment-approval = not-required`.
 *
 * Environment set on the CreateModel container is laid over the package's.
 * @throws ValidationError naming `field` when the package is missing, not deployable, or has several containers.
 */
export async function modelPackageContainer(
  store: MetadataStore, partition: Partition, nameOrArn: string, field: string, environment?: Readonly<Record<string, string>>,
): Promise<PackageContainer> {
  const path = `/${field.replace(/\./g, '/')}/ModelPackageName`;
  const ref = packageRefOf(nameOrArn, partition, `${field}.ModelPackageName`);
  const r = (await store.collection(modelPackagesCollection).get(ref.key))?.value;
  if (!r) throw new ValidationError(`Could not find model package '${nameOrArn}' ('${field}.ModelPackageName').`, [{ path, message: 'no such model package' }]);
  if (r.groupKey) {
    const group = (await store.collection(modelPackageGroupsCollection).get(r.groupKey))?.value;
    const policy = deploymentApprovalOf(group ? await store.tags.list(group.arn) : []);
    if (!mayDeploy(r.approvalStatus, policy)) {
      const why = policy === DEPLOYMENT_APPROVAL_REQUIRED
        ? `only Approved versions of group '${r.groupName}' can be deployed (tag the group '${DEPLOYMENT_APPROVAL_TAG}=${DEPLOYMENT_APPROVAL_NOT_REQUIRED}' to allow pending ones)`
        : 'a Rejected version can never be deployed';
      throw new ValidationError(`Model package '${r.arn}' is ${r.approvalStatus}: ${why}.`, [{ path, message: `ModelApprovalStatus is ${r.approvalStatus}` }]);
    }
  }
  const containers = (r.doc.InferenceSpecification as { Containers?: PackageContainer[] } | undefined)?.Containers ?? [];
  if (containers.length === 0) throw new ValidationError(`Model package '${r.arn}' has no InferenceSpecification to deploy.`, [{ path, message: 'package has no inference specification' }]);
  if (containers.length > 1) throw new ValidationError(`Model package '${r.arn}' has ${containers.length} containers; Loam serves single-container models.`, [{ path, message: 'at most 1 container' }]);
  const c = containers[0] as PackageContainer;
  const env = { ...(c.Environment ?? {}), ...(environment ?? {}) };
  return {
    modelPackageArn: r.arn,
    ...(c.Image !== undefined ? { Image: c.Image } : {}), ...(c.ModelDataUrl !== undefined ? { ModelDataUrl: c.ModelDataUrl } : {}),
    ...(Object.keys(env).length ? { Environment: env } : {}), ...(c.ContainerHostname !== undefined ? { ContainerHostname: c.ContainerHostname } : {}),
  };
}
