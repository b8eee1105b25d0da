import {
  LineageArtifactService, LineageAssociationsService, LineageQueryService, LineageRecorder, LineageSync, ModelPackageGroupService, ModelPackageService, lineageResourcesExist, systemClock,
  type ActionAuthorizer, type ArtifactStore, type VertexReadCheck, type Logger, type MetadataStore, type Partition, type TagService,
} from '@loam/core';

export interface RegistryOptions {
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly partition: Partition;
  readonly tags: TagService;
  readonly logger: Logger;
  /** How often lineage follows the other capabilities' records. */
  readonly lineageIntervalMs?: number;
  /** The caller's policies: QueryLineage lists only the vertices the caller may read. */
  readonly authorize?: ActionAuthorizer;
  /** With `authorize`: lineage vertices read by more than their ARN (an MLflow run also by its experiment). */
  readonly lineageReadCheck?: VertexReadCheck;
}

/** The Model Registry and lineage as the platform holds them. */
export interface RegistryCapability {
  readonly store: MetadataStore;
  readonly partition: Partition;
  readonly groups: ModelPackageGroupService;
  readonly packages: ModelPackageService;
  readonly lineage: LineageRecorder;
  readonly lineageSync: LineageSync;
  readonly lineageQuery: LineageQueryService;
  readonly lineageArtifacts: LineageArtifactService;
  readonly lineageAssociations: LineageAssociationsService;
  /** Handler objects for the operation table. */
  readonly services: readonly object[];
  close(): Promise<void>;
}

/** Builds the registry and lineage services, makes groups and packages taggable, and starts following lineage. */
export function openRegistry(o: RegistryOptions): RegistryCapability {
  const { store, partition } = o;
  const clock = systemClock;
  const lineage = new LineageRecorder(store, partition, clock);
  const groups = new ModelPackageGroupService({ store, clock, partition, ...(o.authorize ? { authorize: o.authorize } : {}) });
  const packages = new ModelPackageService({ store, clock, partition, artifacts: o.artifacts, lineage });
  const lineageSync = new LineageSync({ store, partition, clock, recorder: lineage, logger: o.logger.child({ component: 'lineage' }), ...(o.lineageIntervalMs !== undefined ? { intervalMs: o.lineageIntervalMs } : {}) });
  const resourceExists = async (arn: string) => (o.tags.owns(arn) ? o.tags.exists(arn) : undefined);
  // The vertices of a page are checked in one query per kind; kinds lineage does not read go to their resolver.
  const resourcesExist = (arns: readonly string[]) => lineageResourcesExist(store, arns, resourceExists);
  // A sync pass that fails or runs long is logged; the answer is read from the lineage stored.
  const beforeQuery = () => lineageSync.catchUp();
  const lineageQuery = new LineageQueryService({
    store, partition, recorder: lineage, beforeQuery, resourceExists, resourcesExist,
    ...(o.authorize ? { authorize: o.authorize } : {}),
    ...(o.lineageReadCheck ? { readCheck: o.lineageReadCheck } : {}),
  });
  const lineageArtifacts = new LineageArtifactService({ store, partition, clock, recorder: lineage, ...(o.authorize ? { authorize: o.authorize } : {}) });
  const lineageAssociations = new LineageAssociationsService({
    store, partition, beforeQuery, resourceExists, resourcesExist,
    ...(o.authorize ? { authorize: o.authorize } : {}),
    ...(o.lineageReadCheck ? { readCheck: o.lineageReadCheck } : {}),
  });
  const base = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:`;
  o.tags.registerResolver(`${base}model-package-group/`, groups.exists);
  // A group's deployment-approval tag decides which versions deploy: setting it is checked as approving.
  o.tags.registerWriteCheck(`${base}model-package-group/`, (arn, tags, ctx) => groups.checkApprovalSetting(ctx.principal, arn, tags));
  o.tags.registerResolver(`${base}model-package/`, packages.exists);
  o.tags.registerResolver(`${base}artifact/`, lineageArtifacts.exists);
  lineageSync.start();
  return {
    store, partition, groups, packages, lineage, lineageSync, lineageQuery, lineageArtifacts, lineageAssociations,
    services: [groups, packages, lineageQuery, lineageArtifacts, lineageAssociations],
    close: () => lineageSync.stop(),
  };
}
