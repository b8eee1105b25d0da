import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import { LimitExceededError, NotFoundError, ValidationError } from '../kernel/errors.js';
import type { Partition } from '../kernel/names.js';
import { decodeNextToken, encodeNextToken } from '../kernel/pagination.js';
import { compareKeys } from '../ports/artifact-keys.js';
import type { MetadataStore, Tag } from '../ports/metadata-store.js';
import { countsTowardTagLimit, maxTagsPerResource, validateTagKeys, validateTags } from './tag-rules.js';

type Ops = typeof operations;

/**
 * Tells whether the resource an ARN names exists: to the caller, when `ctx` is given. A resource shown to
 * a caller by more than IAM on its ARN (an s3:// location's lineage artifact, only to callers who may read
 * the location) answers false to the others, as its Describe does, so their tag operations are
 * ResourceNotFound like an unknown ARN's: its tags are neither read nor changed, nor its existence told.
 */
export type ResourceExists = (arn: string, ctx?: RequestContext) => Promise<boolean>;

/**
 * Checks tags about to be added to a resource for the caller, where a tag means more than a label (a
 * model group's `loam:deployment-approval`); throws to refuse them (ValidationException, AccessDeniedException).
 */
export type TagWriteCheck = (arn: string, tags: readonly Tag[], ctx: RequestContext) => Promise<void>;

export interface TagServiceOptions {
  readonly store: MetadataStore;
  /** ARNs of another account never name one of our resources. */
  readonly partition: Partition;
}

/**
 * SageMaker's AddTags / ListTags / DeleteTags over the shared tag table, for every kind of resource.
 * Capabilities register the ARN prefixes they own with a way to tell whether a resource exists; an
 * ARN no capability owns, or one naming a missing resource (or one hidden from the caller), is ResourceNotFound.
 */
export class TagService {
  private readonly resolvers: { prefix: string; exists: ResourceExists }[] = [];
  private readonly writeChecks: { prefix: string; check: TagWriteCheck }[] = [];

  constructor(private readonly options: TagServiceOptions) {}

  /**
   * Makes resources whose ARNs start with `prefix` taggable (e.g. `arn:loam:iam::` for users and
   * policies, `arn:loam:sagemaker:` for SageMaker's). The longest matching prefix wins.
   */
  registerResolver(prefix: string, exists: ResourceExists): void {
    this.resolvers.push({ prefix, exists });
    this.resolvers.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Runs `check` on the tags AddTags is about to write to a resource whose ARN starts with `prefix`. */
  registerWriteCheck(prefix: string, check: TagWriteCheck): void {
    this.writeChecks.push({ prefix, check });
  }

  /**
   * Adds or overwrites tags. A resource may already hold more than 50 (MLflow's registry has no limit on a
   * model's tags): overwriting its keys is allowed, only a new key that leaves it past 50 is refused. Keys the
   * public API may not write (`aws:`, `mlflow.`: a registered model's name and aliases) are not counted.
   * The count is read in the write's transaction, which holds the resource's tags (TagStore.list), so
   * concurrent AddTags cannot each pass it and together end past 50.
   * @throws ResourceNotFound, ResourceLimitExceeded (a new key past 50 tags), ValidationException, AccessDeniedException (a write check).
   */
  async AddTags(input: InputOf<Ops['AddTags']>, ctx: RequestContext): Promise<OutputOf<Ops['AddTags']>> {
    validateTags(input.Tags);
    await this.requireResource(input.ResourceArn, ctx);
    for (const w of this.writeChecks) if (input.ResourceArn.startsWith(w.prefix)) await w.check(input.ResourceArn, input.Tags, ctx);
    await this.options.store.transaction(async (tx) => {
      const existing = new Set((await tx.tags.list(input.ResourceArn)).map((t) => t.Key).filter(countsTowardTagLimit));
      const before = existing.size;
      for (const t of input.Tags) existing.add(t.Key);
      if (existing.size > maxTagsPerResource && existing.size > before) {
        throw new LimitExceededError(`Resource '${input.ResourceArn}' would have ${existing.size} tags; a resource can have at most ${maxTagsPerResource}${before > maxTagsPerResource ? ` (it has ${before}: overwrite its keys, or remove some first)` : ''}.`);
      }
      await tx.tags.put(input.ResourceArn, input.Tags);
    });
    return { Tags: input.Tags.map((t) => ({ Key: t.Key, Value: t.Value })) };
  }

  /** Tags of a resource, by key, a page at a time (MaxResults 50–100, default 50). @throws ResourceNotFound, ValidationException. */
  async ListTags(input: InputOf<Ops['ListTags']>, ctx: RequestContext): Promise<OutputOf<Ops['ListTags']>> {
    const max = input.MaxResults ?? 50;
    if (!Number.isInteger(max) || max < 50 || max > 100) {
      throw new ValidationError(`MaxResults must be an integer from 50 to 100; got ${max}.`, [{ path: '/MaxResults', message: 'must be 50 to 100' }]);
    }
    const cursor = decodeNextToken(input.NextToken);
    await this.requireResource(input.ResourceArn, ctx);
    const all = await this.options.store.tags.list(input.ResourceArn);
    // The store lists keys by code point (UTF-8 bytes), which JS's `>` does not follow past U+FFFF.
    const rest = cursor === undefined ? all : all.filter((t) => compareKeys(t.Key, cursor.name) > 0);
    const page = rest.slice(0, max);
    const last = page[page.length - 1];
    return {
      Tags: page.map((t) => ({ Key: t.Key, Value: t.Value })),
      ...(rest.length > max && last ? { NextToken: encodeNextToken({ after: last.Key, name: last.Key }) } : {}),
    };
  }

  /** Removes tags by key; keys the resource does not have are ignored. @throws ResourceNotFound, ValidationException. */
  async DeleteTags(input: InputOf<Ops['DeleteTags']>, ctx: RequestContext): Promise<OutputOf<Ops['DeleteTags']>> {
    validateTagKeys(input.TagKeys);
    await this.requireResource(input.ResourceArn, ctx);
    await this.options.store.tags.remove(input.ResourceArn, input.TagKeys);
    return {};
  }

  /** Whether some capability owns ARNs like this one (it registered their prefix), whether or not it exists. */
  owns(arn: string): boolean {
    return this.resolvers.some((r) => arn.startsWith(r.prefix));
  }

  /** Whether some capability owns this ARN and the resource exists (to the caller, when `ctx` is given: see {@link ResourceExists}). */
  async exists(arn: string, ctx?: RequestContext): Promise<boolean> {
    const account = arn.split(':')[4];
    if (account !== this.options.partition.accountId) return false;
    const resolver = this.resolvers.find((r) => arn.startsWith(r.prefix));
    return resolver !== undefined && (await resolver.exists(arn, ctx));
  }

  private async requireResource(arn: string, ctx: RequestContext): Promise<void> {
    if (!(await this.exists(arn, ctx))) throw new NotFoundError('Resource', arn);
  }
}
