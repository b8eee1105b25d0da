import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import type { Clock } from '../kernel/clock.js';
import { retireLineageVertex } from '../lineage/lineage-lives.js';
import type { Principal, RequestContext } from '../kernel/context.js';
import { ConflictError, isLoamError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import type { Filter, MetadataStore, Tag } from '../ports/metadata-store.js';
import { validateTags } from '../tags/tag-rules.js';
import { loosensDeploymentApproval, validateDeploymentApprovalTag } from './approval-rules.js';
import { groupKeyOf, userContextOf } from './package-refs.js';
import { modelPackageGroupsCollection, modelPackagesCollection, type ModelPackageGroupRecord } from './registry.collections.js';

type Ops = typeof operations;

export interface RegistryServiceOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly partition: Partition;
  /**
   * The caller's policies: setting a group's deployment approval to `not-required` also needs
   * sagemaker:UpdateModelPackage on the group's packages (see checkApprovalSetting).
   */
  readonly authorize?: ActionAuthorizer;
}

/** SageMaker's description rule: letters, marks, separators, symbols, digits and punctuation. */
const descriptionChars = /^[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*$/u;
/** The same with line breaks and tabs: MLflow's descriptions are Markdown, written over several lines. */
const textChars = /^[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}\t\n\r]*$/u;

/**
 * @throws ValidationError naming the field unless `value` follows SageMaker's description rule, or with
 * `multiline` (a description written through MLflow's registry) that rule plus line breaks and tabs.
 */
export function checkDescription(value: string | undefined, field: string, multiline = false): void {
  if (value !== undefined && !(multiline ? textChars : descriptionChars).test(value)) {
    throw new ValidationError(`Value at '${field}' may hold only letters, marks, spaces, symbols, digits and punctuation${multiline ? ', line breaks and tabs' : ''}.`, [{ path: `/${field}`, message: 'invalid characters' }]);
  }
}

/** What a transport other than SageMaker's may ask of a create beyond its SageMaker input. */
export interface GroupCreateExtras {
  /** Tags SageMaker's rules refuse that the transport keeps with the group (MLflow's `mlflow.*`). */
  readonly ownTags?: readonly Tag[];
  /** A description that may hold line breaks and tabs (MLflow's Markdown); SageMaker's rule otherwise. */
  readonly multilineDescription?: boolean;
}

/** CreateModelPackageGroup, DescribeModelPackageGroup, ListModelPackageGroups, DeleteModelPackageGroup. */
export class ModelPackageGroupService {
  constructor(private readonly o: RegistryServiceOptions) {}

  /**
   * @throws ResourceInUse (the name exists, ignoring case), ValidationException, ResourceLimitExceeded (tags),
   * AccessDeniedException (tagged `loam:deployment-approval = not-required` by a caller who may not approve).
   * `extras.ownTags` are written in the create's transaction, so a create that answers an error has made nothing.
   */
  async CreateModelPackageGroup(input: InputOf<Ops['CreateModelPackageGroup']>, ctx: RequestContext, extras: GroupCreateExtras = {}): Promise<OutputOf<Ops['CreateModelPackageGroup']>> {
    const ownTags = extras.ownTags ?? [];
    if (input.Tags) validateTags(input.Tags);
    checkDescription(input.ModelPackageGroupDescription, 'ModelPackageGroupDescription', extras.multilineDescription);
    await this.checkApprovalSetting(ctx.principal, input.ModelPackageGroupName, input.Tags);
    const arn = resourceArn(this.o.partition, 'model-package-group', input.ModelPackageGroupName);
    const record: ModelPackageGroupRecord = {
      key: input.ModelPackageGroupName.toLowerCase(), name: input.ModelPackageGroupName, arn,
      creationTime: this.o.clock.now() / 1000, createdBy: userContextOf(ctx), latestVersion: 0,
      ...(input.ModelPackageGroupDescription !== undefined ? { description: input.ModelPackageGroupDescription } : {}),
    };
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.collection(modelPackageGroupsCollection).insert(record);
        if (input.Tags?.length) await tx.tags.put(arn, input.Tags);
        if (ownTags.length) await tx.tags.put(arn, ownTags);
      });
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') throw new ResourceInUseError(`Model package group '${input.ModelPackageGroupName}' already exists: ${arn}.`);
      throw e;
    }
    return { ModelPackageGroupArn: arn };
  }

  /** @throws ResourceNotFound. */
  async DescribeModelPackageGroup(input: InputOf<Ops['DescribeModelPackageGroup']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeModelPackageGroup']>> {
    return describeModelPackageGroup(await this.get(input.ModelPackageGroupName));
  }

  async ListModelPackageGroups(input: InputOf<Ops['ListModelPackageGroups']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListModelPackageGroups']>> {
    const filters: Filter<ModelPackageGroupRecord>[] = [];
    if (input.NameContains) filters.push({ field: 'name', op: 'contains', value: input.NameContains });
    if (input.CreationTimeAfter !== undefined) filters.push({ field: 'creationTime', op: 'gt', value: input.CreationTimeAfter });
    if (input.CreationTimeBefore !== undefined) filters.push({ field: 'creationTime', op: 'lt', value: input.CreationTimeBefore });
    // Every group here is this account's; CrossAccount (groups shared with us by others) is always empty.
    if (input.CrossAccountFilterOption === 'CrossAccount') return { ModelPackageGroupSummaryList: [] };
    const page = await this.o.store.collection(modelPackageGroupsCollection).list({
      filters, sortBy: input.SortBy === 'Name' ? 'name' : 'creationTime', sortOrder: input.SortOrder ?? 'Descending',
      maxResults: clampMaxResults(input.MaxResults, 10), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    return {
      ModelPackageGroupSummaryList: page.items.map(({ value: g }) => ({
        ModelPackageGroupName: g.name, ModelPackageGroupArn: g.arn, CreationTime: g.creationTime, ModelPackageGroupStatus: 'Completed' as const,
        ...(g.description !== undefined ? { ModelPackageGroupDescription: g.description } : {}),
      })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** @throws ResourceNotFound, ConflictException while the group still holds versions. */
  async DeleteModelPackageGroup(input: InputOf<Ops['DeleteModelPackageGroup']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeleteModelPackageGroup']>> {
    const g = await this.get(input.ModelPackageGroupName);
    await this.o.store.transaction(async (tx) => {
      // The group's row first: held until this ends, as a CreateModelPackage holds it while it numbers its
      // version, so the count below comes after any such create (PostgreSQL runs them side by side).
      const held = await tx.collection(modelPackageGroupsCollection).get(g.key);
      if (!held) throw new NotFoundError('Model package group', input.ModelPackageGroupName);
      const n = await tx.collection(modelPackagesCollection).count([{ field: 'groupKey', op: 'eq', value: g.key }]);
      if (n > 0) throw new ConflictError(`Model package group '${g.name}' still holds ${n} model package version${n === 1 ? '' : 's'}; delete them first.`);
      await tx.collection(modelPackageGroupsCollection).delete(g.key, held.version);
      await tx.tags.clear(g.arn);
      await retireLineageVertex(tx, g.arn, this.o.clock.now());
    });
    return {};
  }

  /**
   * Checks tags about to be written to a group (CreateModelPackageGroup, AddTags, MLflow's tags): a
   * `loam:deployment-approval` value must be known, and setting it to `not-required` lets the group's
   * pending versions deploy, which is what approving them does, so the caller must also be allowed
   * sagemaker:UpdateModelPackage (the approval action) on `model-package/<group>/*`. Setting it back to
   * `required`, or removing it, only tightens and needs nothing more.
   * @throws ValidationException for an unknown value, AccessDeniedException when the caller may not approve.
   */
  async checkApprovalSetting(principal: Principal, nameOrArn: string, tags: readonly { Key: string; Value: string }[] | undefined): Promise<void> {
    validateDeploymentApprovalTag(tags);
    if (!loosensDeploymentApproval(tags) || !this.o.authorize) return;
    const group = groupKeyOf(nameOrArn, this.o.partition);
    await this.o.authorize(principal, 'sagemaker:UpdateModelPackage', resourceArn(this.o.partition, 'model-package', `${group}/*`));
  }

  /** Changes the description (MLflow's registered-model update, Markdown; SageMaker has no such operation). */
  async setDescription(nameOrArn: string, description: string): Promise<ModelPackageGroupRecord> {
    checkDescription(description, 'ModelPackageGroupDescription', true);
    const groups = this.o.store.collection(modelPackageGroupsCollection);
    const cur = await groups.get(groupKeyOf(nameOrArn, this.o.partition));
    if (!cur) throw new NotFoundError('Model package group', nameOrArn);
    const next = { ...cur.value, description };
    await groups.update(cur.value.key, cur.version, next);
    return next;
  }

  /** The group by name or ARN. @throws ResourceNotFound. */
  async get(nameOrArn: string): Promise<ModelPackageGroupRecord> {
    const r = await this.o.store.collection(modelPackageGroupsCollection).get(groupKeyOf(nameOrArn, this.o.partition));
    if (!r) throw new NotFoundError('Model package group', nameOrArn);
    return r.value;
  }

  /** Lets AddTags/ListTags find groups by ARN. */
  exists = async (arn: string): Promise<boolean> => (await this.o.store.collection(modelPackageGroupsCollection).findOne('arn', arn)) !== undefined;
}

/** The DescribeModelPackageGroup answer for a record (Search's ModelPackageGroup record too). */
export function describeModelPackageGroup(g: ModelPackageGroupRecord): OutputOf<Ops['DescribeModelPackageGroup']> {
  return {
    ModelPackageGroupName: g.name, ModelPackageGroupArn: g.arn, CreationTime: g.creationTime, CreatedBy: g.createdBy, ModelPackageGroupStatus: 'Completed',
    ...(g.description !== undefined ? { ModelPackageGroupDescription: g.description } : {}),
  };
}
