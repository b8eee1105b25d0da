import { createHash } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import { isLoamError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { lineageArtifactsCollection } from './lineage.collections.js';
import { lineageLifeAt } from './lineage-lives.js';

/** SageMaker's AssociationType. */
export type AssociationType = 'ContributedTo' | 'AssociatedWith' | 'DerivedFrom' | 'Produced' | 'SameAs';

/** A URI without trailing slashes: `s3://b/data/` and `s3://b/data` are one location. */
export function normalizeUri(uri: string): string {
  return uri.replace(/\/+$/, '');
}

/** The artifact ARN of a URI: `…:artifact/<first 32 hex of sha256(uri)>`, SageMaker's artifact id shape. */
export function artifactArn(partition: Partition, uri: string): string {
  return resourceArn(partition, 'artifact', createHash('sha256').update(normalizeUri(uri)).digest('hex').slice(0, 32));
}

/** The prefixes that contain `uri` at a `/` boundary, longest first, down to the bucket (`s3://bucket`). */
function containingPrefixes(uri: string): string[] {
  const m = /^([a-z0-9]+:\/\/[^/]+)\/(.+)$/.exec(uri);
  if (!m) return [];
  const parts = (m[2] as string).split('/');
  const out: string[] = [];
  for (let i = parts.length - 1; i >= 1; i--) out.push(`${m[1]}/${parts.slice(0, i).join('/')}`);
  out.push(m[1] as string);
  return out;
}

/**
 * Records lineage edges. Every capability calls it (directly, or through {@link LineageSync} which
 * follows their records): resources are vertices by their own ARNs, and data or model locations are
 * artifact vertices by URI. Adding an edge twice keeps the first, so recording is idempotent.
 *
 * Locations nest: a training channel reads `s3://b/data/` while a dataset version was written to
 * `s3://b/data/v1.parquet`. Each new artifact is linked to the artifacts it contains and that contain
 * it (file → prefix, `ContributedTo`), so a walk from the dataset reaches the job that read its folder.
 */
export class LineageRecorder {
  constructor(
    private readonly store: MetadataStore,
    private readonly partition: Partition,
    private readonly clock: Clock,
    /** With a time (epoch ms): each resource end is the vertex that stood for its ARN then ({@link within}). */
    private readonly at?: number,
  ) {}

  /**
   * The same recorder writing through `tx`, so edges commit with the records they describe. With `at`
   * (epoch ms), for the edges a record written then implies, recorded later (LineageSync): each resource
   * end is the vertex that stood for its ARN at `at` (lineageLifeAt), so an end whose resource was deleted
   * since links the deleted one's retired vertex, never a resource created again under its name.
   */
  within(tx: MetadataStore, at: number | undefined = this.at): LineageRecorder {
    return new LineageRecorder(tx, this.partition, this.clock, at);
  }

  /** Adds `source → destination`. */
  async link(sourceArn: string, destinationArn: string, associationType: AssociationType): Promise<void> {
    if (sourceArn === destinationArn) return;
    const [source, destination] = this.at === undefined ? [sourceArn, destinationArn]
      : [await lineageLifeAt(this.store, sourceArn, this.at), await lineageLifeAt(this.store, destinationArn, this.at)];
    await this.store.lineage.add({ sourceArn: source, destinationArn: destination, associationType, createdAt: this.clock.now() });
  }

  /**
   * The artifact vertex for a URI, created on first use; returns its ARN. A concurrent caller that
   * recorded it between the lookup and the insert (ResourceInUse on the key) is the one expected
   * failure: its record stands. Any other failure is thrown, so no edge is written to an artifact that
   * was never recorded: a capability writing in a transaction (a model package's create, a LineageSync
   * batch) rolls back whole, and LineageSync's next pass records the batch again.
   * @throws whatever the store throws but ResourceInUse.
   */
  async artifact(uri: string, artifactType: string): Promise<string> {
    const norm = normalizeUri(uri);
    const arn = artifactArn(this.partition, norm);
    const artifacts = this.store.collection(lineageArtifactsCollection);
    if (await artifacts.get(arn)) return arn;
    try {
      await artifacts.insert({ arn, uri: norm, artifactType, createdAt: this.clock.now() });
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') return arn; // recorded by a concurrent caller
      throw e;
    }
    if (norm.includes('://')) await this.linkNested(arn, norm);
    return arn;
  }

  private async linkNested(arn: string, uri: string): Promise<void> {
    const artifacts = this.store.collection(lineageArtifactsCollection);
    for (const prefix of containingPrefixes(uri)) {
      const outer = await artifacts.get(artifactArn(this.partition, prefix));
      if (outer) await this.link(arn, outer.value.arn, 'ContributedTo');
    }
    let nextToken: string | undefined;
    do {
      const page = await artifacts.list({ filters: [{ field: 'uri', op: 'prefix', value: `${uri}/` }], maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
      for (const { value: inner } of page.items) await this.link(inner.arn, arn, 'ContributedTo');
      nextToken = page.nextToken;
    } while (nextToken);
  }

  /** `uri → resource`: data (or a model) the resource read. */
  async input(uri: string, resourceArnValue: string, artifactType = 'DataSet'): Promise<void> {
    await this.link(await this.artifact(uri, artifactType), resourceArnValue, 'ContributedTo');
  }

  /** `resource → uri`: what the resource wrote. */
  async output(resourceArnValue: string, uri: string, artifactType = 'DataSet'): Promise<void> {
    await this.link(resourceArnValue, await this.artifact(uri, artifactType), 'Produced');
  }

  /** The ARN of a resource of this partition, for callers that hold only names. */
  arnOf(kind: string, name: string): string {
    return resourceArn(this.partition, kind, name);
  }
}
