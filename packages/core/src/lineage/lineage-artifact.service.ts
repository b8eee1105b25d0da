import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import type { RequestContext } from '../kernel/context.js';
import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import { AccessDeniedError, ConflictError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import type { Partition } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import { parseS3Uri } from '../ports/artifact-store.js';
import type { Filter, LineageEdge, MetadataStore } from '../ports/metadata-store.js';
import { validateTags } from '../tags/tag-rules.js';
import { lineageArtifactsCollection, type LineageArtifactRecord } from './lineage.collections.js';
import { artifactArn, normalizeUri, type LineageRecorder } from './lineage-recorder.js';
import { artifactArnOf, checkLocationSize, requireArtifact } from './lineage-refs.js';
import { LineageVisibility } from './lineage-visibility.js';

type Ops = typeof operations;

export interface LineageArtifactServiceOptions {
  readonly store: MetadataStore;
  readonly partition: Partition;
  readonly clock: Clock;
  readonly recorder: LineageRecorder;
  /**
   * The caller's policies: ListArtifacts lists only the artifacts QueryLineage would show the caller, and
   * an s3:// location's artifact is created, described, updated or deleted only by a caller who may read
   * the location. Without it, every one.
   */
  readonly authorize?: ActionAuthorizer;
}

const maxProperties = 30;

/**
 * SageMaker's artifact operations over lineage's artifact records. One artifact per location (its ARN
 * is derived from the URI, as for the artifacts lineage records itself for data and model locations),
 * so every artifact QueryLineage returns can be described, and CreateArtifact for a location lineage
 * already holds takes that artifact over (name, type, properties, tags) instead of making a second one.
 */
export class LineageArtifactService {
  constructor(private readonly o: LineageArtifactServiceOptions) {}

  /**
   * Whether an artifact ARN (Loam's form) exists; for tags. With the caller, an s3:// location's artifact
   * exists only to a caller who may read the location, as DescribeArtifact answers.
   */
  readonly exists = async (arn: string, ctx?: RequestContext): Promise<boolean> => {
    const hit = await this.o.store.collection(lineageArtifactsCollection).get(arn);
    return hit !== undefined && (ctx === undefined || (await this.#shown(ctx, hit.value)));
  };

  /**
   * @throws ValidationError (an empty location or one over 2048 bytes, tags breaking the rules), ResourceInUse (the location
   * already has an artifact made by CreateArtifact: one artifact per location), AccessDenied (an s3://
   * location the caller may not read: its artifact is the one other users' lineage holds, or will).
   */
  async CreateArtifact(input: InputOf<Ops['CreateArtifact']>, ctx: RequestContext): Promise<OutputOf<Ops['CreateArtifact']>> {
    const uri = input.Source.SourceUri;
    if (normalizeUri(uri) === '') throw new ValidationError(`Source.SourceUri '${uri}' names no location.`, [{ path: '/Source/SourceUri', message: 'empty location' }]);
    checkLocationSize(uri, 'Source.SourceUri');
    await this.#requireRead(ctx, normalizeUri(uri));
    if (input.Tags) validateTags(input.Tags);
    if (Object.keys(input.Properties ?? {}).length > maxProperties) throw tooManyProperties(Object.keys(input.Properties ?? {}).length);
    const arn = artifactArn(this.o.partition, uri);
    await this.o.store.transaction(async (tx) => {
      const artifacts = tx.collection(lineageArtifactsCollection);
      let current = await artifacts.get(arn);
      if (current?.value.created) throw new ResourceInUseError(`Artifact '${arn}' already exists for source '${current.value.sourceUri ?? current.value.uri}'; one artifact stands for one location.`);
      if (!current) {
        await this.o.recorder.within(tx).artifact(uri, input.ArtifactType);
        current = await requireArtifact(tx, arn, arn);
      }
      const now = this.o.clock.now();
      const next: LineageArtifactRecord = {
        ...current.value, artifactType: input.ArtifactType, created: true, sourceUri: uri, lastModifiedAt: now,
        ...(input.Source.SourceTypes?.length ? { sourceTypes: input.Source.SourceTypes } : {}),
        ...(input.ArtifactName !== undefined ? { name: input.ArtifactName } : {}),
        ...(input.Properties !== undefined ? { properties: input.Properties } : {}),
        ...(input.MetadataProperties !== undefined ? { metadataProperties: input.MetadataProperties as Record<string, string> } : {}),
      };
      await artifacts.update(arn, current.version, next);
      if (input.Tags?.length) await tx.tags.put(arn, input.Tags);
    });
    return { ArtifactArn: arn };
  }

  /** @throws ValidationError (not an artifact ARN of this account), NotFoundError (also an s3:// location's artifact the caller may not read). */
  async DescribeArtifact(input: InputOf<Ops['DescribeArtifact']>, ctx: RequestContext): Promise<OutputOf<Ops['DescribeArtifact']>> {
    const arn = artifactArnOf(this.o.partition, input.ArtifactArn, 'ArtifactArn');
    const a = (await this.#requireShown(this.o.store, ctx, arn, input.ArtifactArn)).value;
    return {
      ...(a.name !== undefined ? { ArtifactName: a.name } : {}),
      ArtifactArn: a.arn,
      Source: sourceOf(a),
      ArtifactType: a.artifactType,
      ...(a.properties !== undefined ? { Properties: { ...a.properties } } : {}),
      CreationTime: a.createdAt / 1000,
      LastModifiedTime: (a.lastModifiedAt ?? a.createdAt) / 1000,
      ...(a.metadataProperties !== undefined ? { MetadataProperties: { ...a.metadataProperties } } : {}),
    };
  }

  /**
   * Artifacts by location (SourceUri, trailing slashes ignored), type and creation time, newest first
   * unless SortOrder says otherwise. With `authorize`, an artifact the caller may not see in lineage is
   * left out of its page (a page may then hold fewer than MaxResults; NextToken still goes on).
   */
  async ListArtifacts(input: InputOf<Ops['ListArtifacts']>, ctx: RequestContext): Promise<OutputOf<Ops['ListArtifacts']>> {
    const filters: Filter<LineageArtifactRecord>[] = [];
    if (input.SourceUri !== undefined) filters.push({ field: 'uri', op: 'eq', value: normalizeUri(input.SourceUri) });
    if (input.ArtifactType !== undefined) filters.push({ field: 'artifactType', op: 'eq', value: input.ArtifactType });
    if (input.CreatedAfter !== undefined) filters.push({ field: 'createdAt', op: 'gt', value: Math.floor(input.CreatedAfter * 1000) });
    if (input.CreatedBefore !== undefined) filters.push({ field: 'createdAt', op: 'lt', value: Math.ceil(input.CreatedBefore * 1000) });
    const page = await this.o.store.collection(lineageArtifactsCollection).list({
      filters, sortBy: 'createdAt', sortOrder: input.SortOrder ?? 'Descending',
      maxResults: clampMaxResults(input.MaxResults, 10), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    let items = page.items.map((i) => i.value);
    if (this.o.authorize) {
      const v = new LineageVisibility(this.o.authorize, ctx.principal);
      const shown = await Promise.all(items.map((a) => v.visible(a.arn, a.uri)));
      items = items.filter((_, i) => shown[i]);
    }
    return {
      ArtifactSummaries: items.map((a) => ({
        ArtifactArn: a.arn, ...(a.name !== undefined ? { ArtifactName: a.name } : {}), Source: sourceOf(a), ArtifactType: a.artifactType,
        CreationTime: a.createdAt / 1000, LastModifiedTime: (a.lastModifiedAt ?? a.createdAt) / 1000,
      })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /**
   * Sets the name, and sets or removes properties (at most 30 remain).
   * @throws ValidationError, NotFoundError (also an s3:// location's artifact the caller may not read), ConflictException (a concurrent update).
   */
  async UpdateArtifact(input: InputOf<Ops['UpdateArtifact']>, ctx: RequestContext): Promise<OutputOf<Ops['UpdateArtifact']>> {
    const arn = artifactArnOf(this.o.partition, input.ArtifactArn, 'ArtifactArn');
    const current = await this.#requireShown(this.o.store, ctx, arn, input.ArtifactArn);
    const properties: Record<string, string> = { ...current.value.properties, ...input.Properties };
    for (const k of input.PropertiesToRemove ?? []) delete properties[k];
    if (Object.keys(properties).length > maxProperties) throw tooManyProperties(Object.keys(properties).length);
    await this.o.store.collection(lineageArtifactsCollection).update(arn, current.version, {
      ...current.value, created: true, lastModifiedAt: this.o.clock.now(), properties,
      ...(input.ArtifactName !== undefined ? { name: input.ArtifactName } : {}),
    });
    return { ArtifactArn: arn };
  }

  /**
   * Deletes the artifact named by ArtifactArn or by Source (its location), its tags, and every
   * association to or from it, so no association names a vertex that cannot be described. SageMaker
   * documents no refusal for an artifact still associated (the SageMaker Python SDK's
   * `delete(disassociate=True)` removes them first; here they go with it either way). An artifact
   * lineage records for a resource's input or output is recorded again when lineage next reads that
   * resource (when it changes: the sync resumes at its stored watermark after a restart).
   * Named by its Source, the operation table could check `sagemaker:DeleteArtifact` only on `*`; it is
   * checked here on the artifact's ARN too, so a Deny naming the artifact holds either way.
   * @throws ValidationError (neither or both disagreeing, not an artifact ARN), NotFoundError (also an
   * s3:// location's artifact the caller may not read, by ARN), AccessDenied (by Source: the ARN denied,
   * or a location the caller may not read; an association the caller may not delete), ConflictException
   * (an association added meanwhile).
   */
  async DeleteArtifact(input: InputOf<Ops['DeleteArtifact']>, ctx: RequestContext): Promise<OutputOf<Ops['DeleteArtifact']>> {
    const byArn = input.ArtifactArn !== undefined ? artifactArnOf(this.o.partition, input.ArtifactArn, 'ArtifactArn') : undefined;
    const bySource = input.Source !== undefined ? artifactArn(this.o.partition, input.Source.SourceUri) : undefined;
    const arn = byArn ?? bySource;
    if (arn === undefined) throw new ValidationError('DeleteArtifact needs ArtifactArn or Source.', [{ path: '/ArtifactArn', message: 'ArtifactArn or Source is required' }]);
    if (byArn !== undefined && bySource !== undefined && byArn !== bySource) {
      throw new ValidationError(`ArtifactArn '${input.ArtifactArn}' is not the artifact of Source.SourceUri '${input.Source?.SourceUri}'.`, [{ path: '/Source/SourceUri', message: 'names another artifact' }]);
    }
    const given = input.ArtifactArn ?? input.Source?.SourceUri ?? arn;
    if (byArn === undefined && input.Source !== undefined) {
      await this.o.authorize?.(ctx.principal, 'sagemaker:DeleteArtifact', arn);
      await this.#requireRead(ctx, normalizeUri(input.Source.SourceUri));
    }
    // Decided before the transaction: the policy check reads the store itself. (An ARN's location never changes.)
    await this.#requireShown(this.o.store, ctx, arn, given);
    const checked = await this.#requireAssociationsRemovable(ctx, arn);
    await this.o.store.transaction(async (tx) => {
      const current = await requireArtifact(tx, arn, given);
      const edges = await edgesOf(tx, arn);
      if (edges.some((e) => !checked.has(edgeKey(e)))) throw new ConflictError(`Artifact '${given}' gained an association while it was being deleted; delete it again.`);
      for (const e of edges) await tx.lineage.remove(e.sourceArn, e.destinationArn);
      await tx.tags.clear(arn);
      await tx.collection(lineageArtifactsCollection).delete(arn, current.version);
    });
    return { ArtifactArn: arn };
  }

  /**
   * The artifact's associations (keys), each of which the caller may remove as DeleteAssociation would
   * let them (`sagemaker:DeleteAssociation` on its other end): DeleteArtifact takes them with it, and one
   * to another user's job is not the caller's to remove. The message names no end the caller may not see.
   * @throws AccessDeniedError
   */
  async #requireAssociationsRemovable(ctx: RequestContext, arn: string): Promise<Set<string>> {
    const edges = await edgesOf(this.o.store, arn);
    const others = [...new Set(edges.map((e) => (e.sourceArn === arn ? e.destinationArn : e.sourceArn)))];
    const allowed = await Promise.all(others.map((other) => isAllowed(this.o.authorize, ctx.principal, 'sagemaker:DeleteAssociation', other)));
    if (allowed.includes(false)) {
      throw new AccessDeniedError(`User: ${ctx.principal.arn} is not authorized to perform: sagemaker:DeleteAssociation on a resource artifact '${arn}' is associated with; DeleteArtifact removes its associations, so it is refused (nothing was deleted).`);
    }
    return new Set(edges.map(edgeKey));
  }

  /**
   * An s3:// location's artifact stands for data: only a caller who may read the location
   * (`s3:GetObject`, what QueryLineage asks to show it) may create or change it, so no one names, retypes,
   * claims or deletes the artifact other users' lineage holds for data they cannot read.
   * @throws AccessDeniedError naming the read.
   */
  async #requireRead(ctx: RequestContext, uri: string): Promise<void> {
    const object = s3ObjectArn(uri);
    if (object !== undefined) await this.o.authorize?.(ctx.principal, 's3:GetObject', object);
  }

  /**
   * The artifact record, which an s3:// location's artifact is only to a caller who may read the location:
   * to another it does not exist, as QueryLineage and ListArtifacts leave it out (its ARN is derived from
   * the location, so knowing one is no permission). @throws NotFoundError naming `given`.
   */
  async #requireShown(store: MetadataStore, ctx: RequestContext, arn: string, given: string): Promise<{ value: LineageArtifactRecord; version: number }> {
    const hit = await requireArtifact(store, arn, given);
    if (!(await this.#shown(ctx, hit.value))) throw new NotFoundError('Artifact', given);
    return hit;
  }

  /** Whether the caller may see the artifact: any but an s3:// location's, that one if they may read the location. */
  async #shown(ctx: RequestContext, a: LineageArtifactRecord): Promise<boolean> {
    const object = s3ObjectArn(a.uri);
    return object === undefined || isAllowed(this.o.authorize, ctx.principal, 's3:GetObject', object);
  }
}

/** Every association to or from `arn`. */
async function edgesOf(store: MetadataStore, arn: string): Promise<LineageEdge[]> {
  return [...await store.lineage.edges(arn, 'downstream'), ...await store.lineage.edges(arn, 'upstream')];
}

function edgeKey(e: LineageEdge): string {
  return `${e.sourceArn}\n${e.destinationArn}`;
}

/** The S3 object ARN an s3:// location is read as (LineageVisibility's check), or undefined for another scheme. */
function s3ObjectArn(uri: string): string | undefined {
  const ref = uri.startsWith('s3://') ? parseS3Uri(uri) : undefined;
  return ref ? `arn:loam:s3:::${ref.bucket}/${ref.key}` : undefined;
}

function sourceOf(a: LineageArtifactRecord): { SourceUri: string; SourceTypes?: { SourceIdType: 'MD5Hash' | 'S3ETag' | 'S3Version' | 'Custom'; Value: string }[] } {
  return { SourceUri: a.sourceUri ?? a.uri, ...(a.sourceTypes?.length ? { SourceTypes: a.sourceTypes.map((t) => ({ ...t })) } : {}) };
}

function tooManyProperties(n: number): ValidationError {
  return new ValidationError(`Properties would hold ${n} entries; an artifact has at most ${maxProperties}.`, [{ path: '/Properties', message: `at most ${maxProperties} entries` }]);
}
