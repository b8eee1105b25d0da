import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import { clampMaxResults, decodeNextToken, encodeNextToken } from '../kernel/pagination.js';
import type { LineageEdge, MetadataStore } from '../ports/metadata-store.js';
import type { Partition } from '../kernel/names.js';
import { entityArn } from './lineage-refs.js';
import { lineageVertex, type LineageVertexInfo } from './lineage-vertex.js';
import { LineageVisibility, type VertexReadCheck } from './lineage-visibility.js';

type Ops = typeof operations;
type Summary = OutputOf<Ops['ListAssociations']>['AssociationSummaries'][number];

export interface LineageAssociationsServiceOptions {
  readonly store: MetadataStore;
  readonly partition: Partition;
  /** Brings followed edges up to date first (LineageSync.syncOnce), as QueryLineage does. */
  readonly beforeQuery?: () => Promise<unknown>;
  /** The caller's policies: only associations both of whose ends the caller may read are listed. */
  readonly authorize?: ActionAuthorizer;
  readonly readCheck?: VertexReadCheck;
}

/**
 * SageMaker's ListAssociations over lineage's edge table: every association, whether a capability
 * recorded it or AddAssociation did. SourceType and DestinationType are the vertex types QueryLineage
 * reports (an artifact's ArtifactType, `TrainingJob`, `Model`, …).
 */
export class LineageAssociationsService {
  constructor(private readonly o: LineageAssociationsServiceOptions) {}

  /**
   * Associations filtered by either end (an ARN, or an s3:// location for its artifact), either end's
   * type, AssociationType and creation time (both bounds exclusive), sorted by SortBy (CreationTime by
   * default, newest first) then by source and destination, and paged. Without `authorize` every one.
   * @throws ValidationError (an end that is not an ARN or location, another account's ARN, a bad NextToken).
   */
  async ListAssociations(input: InputOf<Ops['ListAssociations']>, ctx: RequestContext): Promise<OutputOf<Ops['ListAssociations']>> {
    const source = input.SourceArn !== undefined ? entityArn(this.o.partition, input.SourceArn, 'SourceArn') : undefined;
    const destination = input.DestinationArn !== undefined ? entityArn(this.o.partition, input.DestinationArn, 'DestinationArn') : undefined;
    const max = clampMaxResults(input.MaxResults, 10);
    const offset = Number(decodeNextToken(input.NextToken)?.after ?? 0);
    await this.o.beforeQuery?.();
    const after = input.CreatedAfter !== undefined ? input.CreatedAfter * 1000 : undefined;
    const before = input.CreatedBefore !== undefined ? input.CreatedBefore * 1000 : undefined;
    let edges: LineageEdge[];
    if (source !== undefined) edges = await this.o.store.lineage.edges(source, 'downstream');
    else if (destination !== undefined) edges = await this.o.store.lineage.edges(destination, 'upstream');
    else edges = await this.o.store.lineage.list({ ...(input.AssociationType ? { associationType: input.AssociationType } : {}), ...(after !== undefined ? { createdAfter: after } : {}), ...(before !== undefined ? { createdBefore: before } : {}) });
    edges = edges.filter((e) => (destination === undefined || e.destinationArn === destination)
      && (input.AssociationType === undefined || e.associationType === input.AssociationType)
      && (after === undefined || e.createdAt > after) && (before === undefined || e.createdAt < before));

    const vertices = new Map<string, Promise<LineageVertexInfo>>();
    const vertexOf = (arn: string) => {
      let hit = vertices.get(arn);
      if (!hit) vertices.set(arn, (hit = lineageVertex(this.o.store, arn)));
      return hit;
    };
    let rows = await Promise.all(edges.map(async (e) => ({ e, s: await vertexOf(e.sourceArn), d: await vertexOf(e.destinationArn) })));
    rows = rows.filter((r) => (input.SourceType === undefined || r.s.vertex.Type === input.SourceType) && (input.DestinationType === undefined || r.d.vertex.Type === input.DestinationType));
    if (this.o.authorize) {
      const v = new LineageVisibility(this.o.authorize, ctx.principal, this.o.readCheck);
      const shown = await Promise.all(rows.map(async (r) => (await v.visible(r.e.sourceArn, r.s.uri)) && (await v.visible(r.e.destinationArn, r.d.uri))));
      rows = rows.filter((_, i) => shown[i]);
    }
    const key = (r: (typeof rows)[number]): string | number => {
      switch (input.SortBy) {
        case 'SourceArn': return r.e.sourceArn;
        case 'DestinationArn': return r.e.destinationArn;
        case 'SourceType': return r.s.vertex.Type;
        case 'DestinationType': return r.d.vertex.Type;
        default: return r.e.createdAt;
      }
    };
    const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
    const sign = (input.SortOrder ?? 'Descending') === 'Descending' ? -1 : 1;
    rows.sort((a, b) => sign * (cmp(key(a), key(b)) || cmp(a.e.sourceArn, b.e.sourceArn) || cmp(a.e.destinationArn, b.e.destinationArn)));
    const page = rows.slice(offset, offset + max);
    return {
      AssociationSummaries: page.map(({ e, s, d }): Summary => ({
        SourceArn: e.sourceArn, DestinationArn: e.destinationArn, SourceType: s.vertex.Type, DestinationType: d.vertex.Type, AssociationType: e.associationType,
        ...(s.name !== undefined ? { SourceName: s.name } : {}), ...(d.name !== undefined ? { DestinationName: d.name } : {}),
        CreationTime: e.createdAt / 1000,
      })),
      ...(offset + max < rows.length ? { NextToken: encodeNextToken({ after: offset + max, name: 'associations' }) } : {}),
    };
  }
}
