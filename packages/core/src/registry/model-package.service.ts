import { randomUUID } from 'node:crypto';
import { CustomerMetadataKey, mapKeyProblem, type InputOf, type OutputOf, type operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import { echo } from '../kernel/echo.js';
import { ConflictError, isLoamError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { resourceArn } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import { parseS3Uri, type ArtifactStore } from '../ports/artifact-store.js';
import type { Filter, MetadataStore, Tag } from '../ports/metadata-store.js';
import { validateTags } from '../tags/tag-rules.js';
import type { LineageRecorder } from '../lineage/lineage-recorder.js';
import { retireLineageVertex } from '../lineage/lineage-lives.js';
import { assertApprovalChange } from './approval-rules.js';
import { checkDescription, type RegistryServiceOptions } from './model-package-group.service.js';
import { requestHashOf } from './client-token.js';
import { groupKeyOf, packageRefOf, userContextOf } from './package-refs.js';
import {
  modelPackageClientTokensCollection, modelPackageEventsCollection, modelPackageGroupsCollection, modelPackagesCollection,
  type ApprovalStatus, type ModelPackageEventRecord, type ModelPackageRecord, type UserContextValue,
} from './registry.collections.js';

type Ops = typeof operations;
type CreateInput = InputOf<Ops['CreateModelPackage']>;

export interface ModelPackageServiceOptions extends RegistryServiceOptions {
  /** To check that the model data a package names exists. */
  readonly artifacts?: ArtifactStore;
  readonly lineage?: LineageRecorder;
}

/**
 * What a transport writes with a create, in its transaction, so a create that answers an error has made
 * nothing (an MLflow client retries a 500, and each retry of model-versions/create is a new version).
 */
export interface ModelPackageCreateExtras {
  /** Tags SageMaker's rules refuse that the transport keeps with the package (MLflow's own `mlflow.*`). */
  readonly ownTags?: readonly Tag[];
  /** Resources the package came from (an MLflow run), each linked `arn → package` as ContributedTo. */
  readonly contributors?: readonly string[];
  /** A description that may hold line breaks and tabs (MLflow's Markdown); SageMaker's rule otherwise. */
  readonly multilineDescription?: boolean;
}

/** A ClientToken as a create claims it. */
type TokenClaim = { readonly token: string; readonly requestHash: string; readonly createdAt: number };

/** The same ClientToken with another request: not retried, and answered as SageMaker's ConflictException. */
class ClientTokenMismatch extends ConflictError {
  constructor(token: string, arn: string) {
    super(`ClientToken '${token}' was already used for a different CreateModelPackage request (it created ${arn}). Retry with the same request, or use a new ClientToken for a new model package.`);
  }
}

const metadataChars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** SageMaker's rules for CustomerMetadataProperties: keys of 1–128 characters (CustomerMetadataKey, as the schema's map declares it), letters, digits, spaces and `_.:/=+-@`. */
function checkCustomerMetadata(map: Readonly<Record<string, string>> | undefined, field: string): void {
  for (const [k, v] of Object.entries(map ?? {})) {
    const problem = mapKeyProblem(k, CustomerMetadataKey); // the schema's rule, for callers that skip the dispatcher
    if (problem) {
      throw new ValidationError(`${field} key '${echo(k)}': ${problem}.`, [{ path: `/${field}`, message: problem }]);
    }
    if (!metadataChars.test(k) || !metadataChars.test(v)) {
      throw new ValidationError(`${field} entry '${k}' may hold only letters, digits, spaces and _.:/=+-@.`, [{ path: `/${field}/${k}`, message: 'invalid characters' }]);
    }
  }
}

/** CreateModelPackage, DescribeModelPackage, ListModelPackages, UpdateModelPackage, DeleteModelPackage, ListModelPackageEvents. */
export class ModelPackageService {
  constructor(private readonly o: ModelPackageServiceOptions) {}

  /**
   * A version in a group (numbered from 1, per group, never reused) or an unversioned package by name.
   * @throws ResourceNotFound (no such group), ResourceInUse (unversioned name taken), ValidationException.
   */
  async CreateModelPackage(input: CreateInput, ctx: RequestContext, extras: ModelPackageCreateExtras = {}): Promise<OutputOf<Ops['CreateModelPackage']>> {
    if (input.Tags) validateTags(input.Tags);
    checkDescription(input.ModelPackageDescription, 'ModelPackageDescription', extras.multilineDescription);
    checkCustomerMetadata(input.CustomerMetadataProperties, 'CustomerMetadataProperties');
    const versioned = input.ModelPackageGroupName !== undefined;
    if (versioned === (input.ModelPackageName !== undefined)) {
      throw new ValidationError('Give ModelPackageGroupName (a new version in a group) or ModelPackageName (an unversioned package), not both or neither.', [{ path: '/ModelPackageGroupName', message: 'exactly one of ModelPackageGroupName and ModelPackageName' }]);
    }
    if (!versioned && input.ModelApprovalStatus !== undefined) {
      throw new ValidationError('ModelApprovalStatus applies only to versioned model packages (give ModelPackageGroupName).', [{ path: '/ModelApprovalStatus', message: 'only for versioned packages' }]);
    }
    if (!versioned && !input.InferenceSpecification) {
      throw new ValidationError('An unversioned model package needs an InferenceSpecification.', [{ path: '/InferenceSpecification', message: 'required' }]);
    }
    await this.checkModelData(input);
    const now = this.o.clock.now() / 1000;
    const who = userContextOf(ctx);
    const { Tags, ClientToken: token, ModelPackageName: _n, ModelPackageGroupName: _g, ModelApprovalStatus: _s, ...rest } = input;
    const doc = { ...rest, CreatedBy: who, ModelPackageRegistrationType: input.ModelPackageRegistrationType ?? 'Registered' };
    const claim = token === undefined ? undefined : { token, requestHash: requestHashOf(input), createdAt: now };
    const arn = versioned
      ? await this.insertVersion(input.ModelPackageGroupName as string, input.ModelApprovalStatus ?? 'PendingManualApproval', now, doc, Tags, who, claim, extras)
      : await this.insertUnversioned(input.ModelPackageName as string, now, doc, Tags, claim, extras);
    return { ModelPackageArn: arn };
  }

  /**
   * Runs one create's transaction, again when it lost a race (the group's version, or a retry with the
   * same ClientToken committing first: the next attempt finds that one's token and answers its ARN).
   */
  private async retrying(write: (tx: MetadataStore) => Promise<string>): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.o.store.transaction(write);
      } catch (e) {
        if (!(isLoamError(e) && e.code === 'ConflictException') || e instanceof ClientTokenMismatch || attempt >= 9) throw e;
      }
    }
  }

  /** The ARN an earlier create with this ClientToken made, if there was one. @throws ConflictException (the token was used for another request). */
  private async replayed(tx: MetadataStore, claim: TokenClaim | undefined): Promise<string | undefined> {
    if (!claim) return undefined;
    const t = await tx.collection(modelPackageClientTokensCollection).get(claim.token);
    if (!t) return undefined;
    if (t.value.requestHash !== claim.requestHash) throw new ClientTokenMismatch(claim.token, t.value.arn);
    return t.value.arn;
  }

  /** Records the token with the package, in its transaction. A racing create with the same token that committed first makes this one retry (and replay). */
  private async claimToken(tx: MetadataStore, claim: TokenClaim | undefined, arn: string): Promise<void> {
    if (!claim) return;
    try {
      await tx.collection(modelPackageClientTokensCollection).insert({ ...claim, arn });
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') throw new ConflictError(`ClientToken '${claim.token}' is being used by a concurrent CreateModelPackage.`);
      throw e;
    }
  }

  private insertVersion(groupName: string, status: ApprovalStatus, now: number, doc: Record<string, unknown>, tags: CreateInput['Tags'], who: UserContextValue, claim: TokenClaim | undefined, extras: ModelPackageCreateExtras): Promise<string> {
    const groupKey = groupKeyOf(groupName, this.o.partition);
    // The version number comes from the group record under optimistic concurrency: two creates racing
    // for the same number collide on the group's version and the loser retries with the next one.
    return this.retrying(async (tx) => {
      const groups = tx.collection(modelPackageGroupsCollection);
      const g = await groups.get(groupKey);
      if (!g) throw new NotFoundError('Model package group', groupName);
      const earlier = await this.replayed(tx, claim);
      if (earlier) return earlier;
      const version = g.value.latestVersion + 1;
      await groups.update(groupKey, g.version, { ...g.value, latestVersion: version });
      const arn = resourceArn(this.o.partition, 'model-package', `${g.value.name}/${version}`);
      const record: ModelPackageRecord = {
        key: `${groupKey}/${version}`, arn, name: g.value.name, groupKey, groupName: g.value.name, version, versioned: 1,
        approvalStatus: status, creationTime: now, lastModifiedTime: now, doc, ...(claim ? { clientToken: claim.token } : {}),
      };
      await tx.collection(modelPackagesCollection).insert(record);
      await this.claimToken(tx, claim, arn);
      if (tags?.length) await tx.tags.put(arn, tags);
      if (extras.ownTags?.length) await tx.tags.put(arn, extras.ownTags);
      await this.appendEvent(tx, record, undefined, status, undefined, who, now);
      await this.recordLineage(tx, record, extras);
      return arn;
    });
  }

  private async insertUnversioned(name: string, now: number, doc: Record<string, unknown>, tags: CreateInput['Tags'], claim: TokenClaim | undefined, extras: ModelPackageCreateExtras): Promise<string> {
    const arn = resourceArn(this.o.partition, 'model-package', name);
    const record: ModelPackageRecord = { key: name.toLowerCase(), arn, name, versioned: 0, creationTime: now, lastModifiedTime: now, doc, ...(claim ? { clientToken: claim.token } : {}) };
    try {
      return await this.retrying(async (tx) => {
        const earlier = await this.replayed(tx, claim);
        if (earlier) return earlier;
        await tx.collection(modelPackagesCollection).insert(record);
        await this.claimToken(tx, claim, arn);
        if (tags?.length) await tx.tags.put(arn, tags);
        if (extras.ownTags?.length) await tx.tags.put(arn, extras.ownTags);
        await this.recordLineage(tx, record, extras);
        return arn;
      });
    } catch (e) {
      if (!(isLoamError(e) && e.code === 'ResourceInUse')) throw e;
      // A retry whose first attempt committed while this one ran (PostgreSQL): the name is taken by it.
      const earlier = await this.replayed(this.o.store, claim);
      if (earlier) return earlier;
      throw new ResourceInUseError(`Model package '${name}' already exists: ${arn}.`);
    }
  }

  private async checkModelData(input: { InferenceSpecification?: CreateInput['InferenceSpecification'] }): Promise<void> {
    if (!this.o.artifacts) return;
    for (const [i, c] of (input.InferenceSpecification?.Containers ?? []).entries()) {
      if (c.ModelDataUrl === undefined) continue;
      const path = `/InferenceSpecification/Containers/${i}/ModelDataUrl`;
      const ref = c.ModelDataUrl.startsWith('s3://') ? parseS3Uri(c.ModelDataUrl) : undefined;
      if (!ref) throw new ValidationError(`ModelDataUrl '${c.ModelDataUrl}' at '${path}' must be an s3:// URI in Loam's artifact store.`, [{ path, message: 'must be s3://bucket/key' }]);
      if (!(await this.o.artifacts.head(ref).catch(() => undefined))) {
        throw new ValidationError(`Could not find model data at '${c.ModelDataUrl}' ('${path}').`, [{ path, message: 'object does not exist' }]);
      }
    }
  }

  /** In the create's transaction, so a package never exists without its lineage. */
  private async recordLineage(tx: MetadataStore, r: ModelPackageRecord, extras: ModelPackageCreateExtras): Promise<void> {
    const l = this.o.lineage?.within(tx);
    if (!l) return;
    for (const source of extras.contributors ?? []) await l.link(source, r.arn, 'ContributedTo');
    const spec = r.doc.InferenceSpecification as CreateInput['InferenceSpecification'];
    for (const c of spec?.Containers ?? []) if (c.ModelDataUrl) await l.input(c.ModelDataUrl, r.arn, 'Model');
    if (r.groupName) await l.link(r.arn, l.arnOf('model-package-group', r.groupName), 'ContributedTo');
  }

  private async appendEvent(tx: MetadataStore, r: ModelPackageRecord, previous: ApprovalStatus | undefined, status: ApprovalStatus, description: string | undefined, who: UserContextValue, now: number): Promise<void> {
    const event: ModelPackageEventRecord = {
      id: `${String(Math.round(now * 1000)).padStart(15, '0')}-${randomUUID()}`, time: now, packageArn: r.arn, status, changedBy: who,
      ...(r.groupKey ? { groupKey: r.groupKey, groupName: r.groupName as string, version: r.version as number } : {}),
      ...(previous ? { previousStatus: previous } : {}), ...(description !== undefined ? { description } : {}),
    };
    await tx.collection(modelPackageEventsCollection).insert(event);
  }

  /** @throws ResourceNotFound, ValidationException (a malformed name). */
  async DescribeModelPackage(input: InputOf<Ops['DescribeModelPackage']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeModelPackage']>> {
    return describeModelPackage(await this.get(input.ModelPackageName));
  }

  /** Unversioned packages unless a group or ModelPackageType says otherwise, as SageMaker lists them. */
  async ListModelPackages(input: InputOf<Ops['ListModelPackages']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListModelPackages']>> {
    const filters: Filter<ModelPackageRecord>[] = [];
    const type = input.ModelPackageType ?? (input.ModelPackageGroupName ? 'Versioned' : 'Unversioned');
    if (input.ModelPackageGroupName) {
      if (type === 'Unversioned') return { ModelPackageSummaryList: [] };
      filters.push({ field: 'groupKey', op: 'eq', value: groupKeyOf(input.ModelPackageGroupName, this.o.partition) });
    } else if (type !== 'Both') {
      filters.push({ field: 'versioned', op: 'eq', value: type === 'Versioned' ? 1 : 0 });
    }
    if (input.ModelApprovalStatus) filters.push({ field: 'approvalStatus', op: 'eq', value: input.ModelApprovalStatus });
    if (input.NameContains) filters.push({ field: 'name', op: 'contains', value: input.NameContains });
    if (input.CreationTimeAfter !== undefined) filters.push({ field: 'creationTime', op: 'gt', value: input.CreationTimeAfter });
    if (input.CreationTimeBefore !== undefined) filters.push({ field: 'creationTime', op: 'lt', value: input.CreationTimeBefore });
    const page = await this.o.store.collection(modelPackagesCollection).list({
      filters, sortBy: input.SortBy === 'Name' ? 'name' : 'creationTime', sortOrder: input.SortOrder ?? 'Descending',
      maxResults: clampMaxResults(input.MaxResults, 10), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    return {
      ModelPackageSummaryList: page.items.map(({ value: r }) => {
        const d = r.doc as { ModelPackageDescription?: string; ModelLifeCycle?: { Stage: string; StageStatus: string }; ModelPackageRegistrationType?: 'Logged' | 'Registered' };
        return {
          ModelPackageName: r.name, ModelPackageArn: r.arn, CreationTime: r.creationTime, ModelPackageStatus: 'Completed' as const,
          ...(r.groupName ? { ModelPackageGroupName: r.groupName, ModelPackageVersion: r.version as number } : {}),
          ...(r.approvalStatus ? { ModelApprovalStatus: r.approvalStatus } : {}),
          ...(d.ModelPackageDescription !== undefined ? { ModelPackageDescription: d.ModelPackageDescription } : {}),
          ...(d.ModelLifeCycle ? { ModelLifeCycle: d.ModelLifeCycle } : {}),
          ...(d.ModelPackageRegistrationType ? { ModelPackageRegistrationType: d.ModelPackageRegistrationType } : {}),
        };
      }),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /**
   * Approval (with its description; the caller is recorded as LastModifiedBy and in the event),
   * customer metadata, inference specifications, source URI and lifecycle.
   * @throws ResourceNotFound, ValidationException (a transition the table forbids), ConflictException (a concurrent update).
   */
  async UpdateModelPackage(input: InputOf<Ops['UpdateModelPackage']>, ctx: RequestContext): Promise<OutputOf<Ops['UpdateModelPackage']>> {
    checkCustomerMetadata(input.CustomerMetadataProperties, 'CustomerMetadataProperties');
    if (input.InferenceSpecification) await this.checkModelData(input);
    const ref = packageRefOf(input.ModelPackageArn, this.o.partition, 'ModelPackageArn');
    const now = this.o.clock.now() / 1000;
    const who = userContextOf(ctx);
    await this.o.store.transaction(async (tx) => {
      const packages = tx.collection(modelPackagesCollection);
      const cur = await packages.get(ref.key);
      if (!cur) throw new NotFoundError('Model package', input.ModelPackageArn);
      const r = cur.value;
      if (input.ModelApprovalStatus !== undefined && !r.versioned) {
        throw new ValidationError(`Model package '${r.arn}' is unversioned; only versions in a group carry an approval status.`, [{ path: '/ModelApprovalStatus', message: 'only for versioned packages' }]);
      }
      const doc: Record<string, unknown> = { ...r.doc, LastModifiedBy: who };
      const from = r.approvalStatus as ApprovalStatus;
      const to = input.ModelApprovalStatus ?? from;
      if (input.ModelApprovalStatus !== undefined) assertApprovalChange(r.arn, from, to);
      if (input.ApprovalDescription !== undefined) doc.ApprovalDescription = input.ApprovalDescription;
      if (input.CustomerMetadataProperties || input.CustomerMetadataPropertiesToRemove) {
        const meta: Record<string, string> = { ...((doc.CustomerMetadataProperties as Record<string, string> | undefined) ?? {}), ...(input.CustomerMetadataProperties ?? {}) };
        for (const k of input.CustomerMetadataPropertiesToRemove ?? []) delete meta[k];
        if (Object.keys(meta).length > 50) throw new ValidationError(`Model package '${r.arn}' would have ${Object.keys(meta).length} customer metadata properties; at most 50.`, [{ path: '/CustomerMetadataProperties', message: 'at most 50 entries' }]);
        if (Object.keys(meta).length > 0) doc.CustomerMetadataProperties = meta;
        else delete doc.CustomerMetadataProperties;
      }
      if (input.AdditionalInferenceSpecificationsToAdd) {
        const existing = (doc.AdditionalInferenceSpecifications as { Name: string }[] | undefined) ?? [];
        const all = [...existing, ...input.AdditionalInferenceSpecificationsToAdd];
        const names = new Set(all.map((s) => s.Name.toLowerCase()));
        if (names.size !== all.length) throw new ValidationError(`Model package '${r.arn}': additional inference specification names must be unique.`, [{ path: '/AdditionalInferenceSpecificationsToAdd', message: 'duplicate Name' }]);
        if (all.length > 15) throw new ValidationError(`Model package '${r.arn}' would have ${all.length} additional inference specifications; at most 15.`, [{ path: '/AdditionalInferenceSpecificationsToAdd', message: 'at most 15 in all' }]);
        doc.AdditionalInferenceSpecifications = all;
      }
      for (const k of ['InferenceSpecification', 'SourceUri', 'ModelLifeCycle', 'ModelPackageRegistrationType'] as const) {
        if (input[k] !== undefined) doc[k] = input[k];
      }
      const next: ModelPackageRecord = { ...r, doc, lastModifiedTime: now, ...(r.versioned ? { approvalStatus: to } : {}) };
      await packages.update(r.key, cur.version, next);
      if (input.ModelApprovalStatus !== undefined && to !== from) await this.appendEvent(tx, next, from, to, input.ApprovalDescription, who, now);
    });
    return { ModelPackageArn: (await this.get(input.ModelPackageArn)).arn };
  }

  /** @throws ResourceNotFound. Models created from the package keep running. */
  async DeleteModelPackage(input: InputOf<Ops['DeleteModelPackage']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeleteModelPackage']>> {
    const r = await this.get(input.ModelPackageName);
    await this.o.store.transaction(async (tx) => {
      // Another delete may have won since the read: that one succeeded, this one finds nothing.
      if (!(await tx.collection(modelPackagesCollection).delete(r.key))) throw new NotFoundError('Model package', input.ModelPackageName);
      await tx.tags.clear(r.arn);
      await retireLineageVertex(tx, r.arn, this.o.clock.now());
      if (r.clientToken !== undefined) await tx.collection(modelPackageClientTokensCollection).delete(r.clientToken);
    });
    return {};
  }

  /** Approval changes, oldest first, for notifications and CI/CD hooks. */
  async ListModelPackageEvents(input: InputOf<Ops['ListModelPackageEvents']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListModelPackageEvents']>> {
    const filters: Filter<ModelPackageEventRecord>[] = [];
    if (input.ModelPackageGroupName) filters.push({ field: 'groupKey', op: 'eq', value: groupKeyOf(input.ModelPackageGroupName, this.o.partition) });
    if (input.ModelPackageArn) filters.push({ field: 'packageArn', op: 'eq', value: (await this.get(input.ModelPackageArn)).arn });
    if (input.After !== undefined) filters.push({ field: 'time', op: 'gt', value: input.After });
    const page = await this.o.store.collection(modelPackageEventsCollection).list({
      filters, sortOrder: 'Ascending', maxResults: clampMaxResults(input.MaxResults, 100), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    return {
      Events: page.items.map(({ value: e }) => ({
        EventId: e.id, Time: e.time, ModelPackageArn: e.packageArn, ModelApprovalStatus: e.status, ChangedBy: e.changedBy,
        ...(e.groupName ? { ModelPackageGroupName: e.groupName, ModelPackageVersion: e.version as number } : {}),
        ...(e.previousStatus ? { PreviousApprovalStatus: e.previousStatus } : {}),
        ...(e.description !== undefined ? { ApprovalDescription: e.description } : {}),
      })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /**
   * Changes what UpdateModelPackage cannot: the description, and the lifecycle stage cleared (MLflow's
   * model-version update and stage `None`). @throws ResourceNotFound, ConflictException.
   */
  async patch(nameOrArn: string, change: { description?: string; lifecycle?: { Stage: string; StageStatus: string } | null }, ctx: RequestContext): Promise<ModelPackageRecord> {
    if (change.description !== undefined) checkDescription(change.description, 'ModelPackageDescription', true);
    const ref = packageRefOf(nameOrArn, this.o.partition);
    return this.o.store.transaction(async (tx) => {
      const packages = tx.collection(modelPackagesCollection);
      const cur = await packages.get(ref.key);
      if (!cur) throw new NotFoundError('Model package', nameOrArn);
      const doc: Record<string, unknown> = { ...cur.value.doc, LastModifiedBy: userContextOf(ctx) };
      if (change.description !== undefined) doc.ModelPackageDescription = change.description;
      if (change.lifecycle === null) delete doc.ModelLifeCycle;
      else if (change.lifecycle) doc.ModelLifeCycle = change.lifecycle;
      const next = { ...cur.value, doc, lastModifiedTime: this.o.clock.now() / 1000 };
      await packages.update(cur.value.key, cur.version, next);
      return next;
    });
  }

  /** A package by ARN, `<group>/<version>` or unversioned name. @throws ResourceNotFound, ValidationException. */
  async get(nameOrArn: string): Promise<ModelPackageRecord> {
    const ref = packageRefOf(nameOrArn, this.o.partition);
    const r = await this.o.store.collection(modelPackagesCollection).get(ref.key);
    if (!r) throw new NotFoundError('Model package', nameOrArn);
    return r.value;
  }

  /** Lets AddTags/ListTags find packages by ARN. */
  exists = async (arn: string): Promise<boolean> => (await this.o.store.collection(modelPackagesCollection).findOne('arn', arn)) !== undefined;
}

/** The DescribeModelPackage answer for a record (Search's ModelPackage record too). */
export function describeModelPackage(r: ModelPackageRecord): OutputOf<Ops['DescribeModelPackage']> {
  return {
    ...(r.doc as object),
    ModelPackageName: r.name, ModelPackageArn: r.arn, CreationTime: r.creationTime, LastModifiedTime: r.lastModifiedTime,
    ModelPackageStatus: 'Completed', ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
    ...(r.groupName ? { ModelPackageGroupName: r.groupName, ModelPackageVersion: r.version as number } : {}),
    ...(r.approvalStatus ? { ModelApprovalStatus: r.approvalStatus } : {}),
  } as OutputOf<Ops['DescribeModelPackage']>;
}
