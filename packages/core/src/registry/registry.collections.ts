import type { CollectionSpec } from '../ports/metadata-store.js';

/** A model group. `latestVersion` numbers its packages; it never goes back, even when versions are deleted. */
export interface ModelPackageGroupRecord {
  /** The lower-cased name: group names are unique ignoring case, as SageMaker's are. */
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly creationTime: number;
  readonly createdBy: UserContextValue;
  readonly latestVersion: number;
}

/** SageMaker's UserContext: who created or changed something. */
export interface UserContextValue {
  readonly UserProfileName?: string;
  readonly IamIdentity?: { readonly Arn?: string; readonly PrincipalId?: string };
}

export type ApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';

/**
 * One model package: versioned (`<group>/<n>`) or unversioned (`<name>`). Columns hold what lists
 * filter and sort on; `doc` holds the rest of what DescribeModelPackage answers.
 */
export interface ModelPackageRecord {
  /** `<group lower-cased>/<version>` or the unversioned name lower-cased. */
  readonly key: string;
  readonly arn: string;
  /** As Describe shows it: the group name for a version, else the package name. */
  readonly name: string;
  readonly groupKey?: string;
  readonly groupName?: string;
  readonly version?: number;
  /** 1 for a version in a group, 0 for an unversioned package (ListModelPackages' ModelPackageType). */
  readonly versioned: number;
  readonly approvalStatus?: ApprovalStatus;
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  readonly doc: Readonly<Record<string, unknown>>;
  /** The ClientToken it was created with: its token record goes when the package is deleted. */
  readonly clientToken?: string;
}

/**
 * A CreateModelPackage ClientToken (account-wide, case-sensitive) and what it created. Inserted in the
 * transaction that inserts the package, so the token's primary key is what makes two racing retries
 * create one package; a retry finds it and answers the same ARN.
 */
export interface ModelPackageClientTokenRecord {
  readonly token: string;
  readonly arn: string;
  /** sha256 of the request without its ClientToken (keys sorted): another request with this token is refused. */
  readonly requestHash: string;
  readonly createdAt: number;
}

/**
 * An approval-status change: the detail of SageMaker's EventBridge event "SageMaker Model Package
 * State Change". Kept so notifications and CI/CD hooks can follow them in order (`id` sorts by time).
 */
export interface ModelPackageEventRecord {
  readonly id: string;
  readonly time: number;
  readonly packageArn: string;
  readonly groupKey?: string;
  readonly groupName?: string;
  readonly version?: number;
  readonly previousStatus?: ApprovalStatus;
  readonly status: ApprovalStatus;
  readonly description?: string;
  readonly changedBy: UserContextValue;
}

export const modelPackageGroupsCollection: CollectionSpec<ModelPackageGroupRecord> = {
  name: 'model_package_groups',
  key: 'key',
  indexes: { name: 'text', creationTime: 'real' },
  unique: ['arn'],
};

export const modelPackagesCollection: CollectionSpec<ModelPackageRecord> = {
  name: 'model_packages',
  key: 'key',
  // lastModifiedTime: Search's default order for model packages, read in index order.
  indexes: { name: 'text', groupKey: 'text', version: 'integer', versioned: 'integer', approvalStatus: 'text', creationTime: 'real', lastModifiedTime: 'real' },
  unique: ['arn'],
};

export const modelPackageEventsCollection: CollectionSpec<ModelPackageEventRecord> = {
  name: 'model_package_events',
  key: 'id',
  indexes: { time: 'real', packageArn: 'text', groupKey: 'text' },
};

export const modelPackageClientTokensCollection: CollectionSpec<ModelPackageClientTokenRecord> = {
  name: 'model_package_client_tokens',
  key: 'token',
  indexes: {},
};

/** The registry's collections, for the metadata store's migrations. */
export const registryCollections = [modelPackageGroupsCollection, modelPackagesCollection, modelPackageEventsCollection, modelPackageClientTokensCollection];
