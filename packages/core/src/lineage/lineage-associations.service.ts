import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import { ValidationError } from '../kernel/errors.js';
import { clampMaxResults, decodeNextToken, encodeNextToken } from '../kernel/pagination.js';
import type { LineageEdge, LineageEdgeQuery, MetadataStore } from '../ports/metadata-store.js';
import { parseArn, type Partition } from '../kernel/names.js';
import { entityArn } from './lineage-refs.js';
import { lineageArtifactsCollection } from './lineage.collections.js';
import { eachExists, lineageVertices, standingVertices, type LineageVertexInfo, type ResourcesExist } from './lineage-vertex.js';
import { vertexTypeOf } from './vertex-types.js';
import { lineageLives } from './lineage-lives.js';
import { LineageVisibility, type VertexReadCheck } from './lineage-visibility.js';

type Ops = typeof operations;
type Input = InputOf<Ops['ListAssociations']>;
type Output = OutputOf<Ops['ListAssociations']>;
type Summary = Output['AssociationSummaries'][number];
interface Row { readonly e: LineageEdge; readonly s: LineageVertexInfo; readonly d: LineageVertexInfo }
type EdgeKey = NonNullable<LineageEdgeQuery['after']>;

export interface LineageAssociationsServiceOptions {
  readonly store: MetadataStore;
  readonly partition: Partition;
  /** Brings followed edges up to date first (LineageSync.syncOnce), as QueryLineage does. */
  readonly beforeQuery?: () => Promise<unknown>;
  /**
   * Whether the resource an ARN names exists (true or false for kinds a capability owns, undefined for
   * others): an association with an end since deleted (a model, an endpoint) is not listed, as
   * QueryLineage lists no such vertex.
   */
  readonly resourceExists?: (arn: string) => Promise<boolean | undefined>;
  /** `resourceExists` for many ARNs at once (one query per kind); without it, `resourceExists` is asked ARN by ARN. */
  readonly resourcesExist?: ResourcesExist;
  /** The caller's policies: only associations both of whose ends the caller may read are listed. */
  readonly authorize?: ActionAuthorizer;
  readonly readCheck?: VertexReadCheck;
}

/** Edges read per store call when paging the whole table in a stored order. */
const chunkSize = 500;

type StoredOrder = NonNullable<LineageEdgeQuery['sortBy']>;
/** The SortBy values the edge table can list in (with keyset paging); the types are not stored with edges. */
const storedOrder: Readonly<Record<string, StoredOrder | undefined>> = { CreationTime: 'createdAt', SourceArn: 'sourceArn', DestinationArn: 'destinationArn' };

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
   * default, newest first) then by source and destination ARN, and paged; with `authorize`, only those
   * both of whose ends the caller may read. With neither end given and SortBy CreationTime (the default),
   * SourceArn or DestinationArn, the table is read in that order a chunk at a time until the page is full
   * (NextToken: the last edge listed), so a page costs about its own edges; with an end given, that
   * vertex's edges are read and paged by offset; with neither end and SortBy SourceType or
   * DestinationType (types are not stored with edges), every matching edge and every artifact's type is
   * read for each page, but vertices are looked up only for the edges up to the page's end.
   * An end naming a resource since deleted (not created again) lists the associations its lives had, named
   * by that ARN, as QueryLineage answers from it; one created again lists only its own.
   * @throws ValidationError (an end that is not an ARN or location, another account's ARN, a bad NextToken).
   */
  async ListAssociations(input: Input, ctx: RequestContext): Promise<Output> {
    const source = input.SourceArn !== undefined ? entityArn(this.o.partition, input.SourceArn, 'SourceArn') : undefined;
    const destination = input.DestinationArn !== undefined ? entityArn(this.o.partition, input.DestinationArn, 'DestinationArn') : undefined;
    const max = clampMaxResults(input.MaxResults, 10);
    const token = decodeNextToken(input.NextToken);
    await this.o.beforeQuery?.();
    const given = [source, destination].filter((x): x is string => x !== undefined);
    const rows = new Rows(this.o, input, ctx, new Set(given));
    const stored = storedOrder[input.SortBy ?? 'CreationTime'];
    if (source === undefined && destination === undefined && stored !== undefined) return this.inStoredOrder(input, stored, rows, max, token);
    if (source === undefined && destination === undefined) return this.inTypeOrder(input, rows, max, token);

    // An end naming a resource since deleted (not created again) names the retired vertices its edges moved
    // to as well (lineageLives, as QueryLineage's start); their edges are listed under the ARN given.
    const asGiven = new Map<string, string>();
    const livesOf = async (arn: string | undefined) => {
      if (arn === undefined) return undefined;
      const lives = await lineageLives(this.o.store, arn, this.o.resourceExists);
      for (const life of lives.slice(1)) asGiven.set(life, arn);
      return lives;
    };
    const sources = await livesOf(source);
    const destinations = await livesOf(destination);
    const read: LineageEdge[] = [];
    if (sources) for (const s of sources) read.push(...(await this.o.store.lineage.edges(s, 'downstream')));
    else for (const d of destinations!) read.push(...(await this.o.store.lineage.edges(d, 'upstream')));
    const named = (arn: string) => asGiven.get(arn) ?? arn;
    const edges = new Map<string, LineageEdge>();
    for (const e of read) {
      if (destinations && !destinations.includes(e.destinationArn)) continue;
      const edge = { ...e, sourceArn: named(e.sourceArn), destinationArn: named(e.destinationArn) };
      const key = JSON.stringify([edge.sourceArn, edge.destinationArn]);
      if (!edges.has(key)) edges.set(key, edge);
    }
    const kept = await rows.keep([...edges.values()]);
    const key = (r: Row): string | number => {
      switch (input.SortBy) {
        case 'SourceArn': return r.e.sourceArn;
        case 'DestinationArn': return r.e.destinationArn;
        case 'SourceType': return r.s.vertex.Type;
        case 'DestinationType': return r.d.vertex.Type;
        default: return r.e.createdAt;
      }
    };
    const sign = (input.SortOrder ?? 'Descending') === 'Descending' ? -1 : 1;
    kept.sort((a, b) => sign * (cmp(key(a), key(b)) || cmp(a.e.sourceArn, b.e.sourceArn) || cmp(a.e.destinationArn, b.e.destinationArn)));
    if (token !== undefined && (token.name !== 'associations' || !isOffset(token.after))) throw badToken();
    const offset = Number(token?.after ?? 0);
    const page = kept.slice(offset, offset + max);
    return {
      AssociationSummaries: page.map(summaryOf),
      ...(offset + max < kept.length ? { NextToken: encodeNextToken({ after: offset + max, name: 'associations' }) } : {}),
    };
  }

  /**
   * SortBy SourceType or DestinationType with no end given. Types are not stored with edges: each edge's
   * type comes from its end's ARN (a resource's kind) or from the artifacts' types, read in pages of 1000;
   * the edges are sorted on that, and rows (vertex lookups, existence, visibility) are built only for the
   * edges from the token's association to the page's end, so a page no longer costs a lookup per edge in the table.
   */
  private async inTypeOrder(input: Input, rows: Rows, max: number, token: { after: string | number; name: string } | undefined): Promise<Output> {
    const bySource = input.SortBy === 'SourceType';
    // Keyset paging, as in stored order: the token is the last association listed (its type and ends), so
    // an association recorded between two pages (LineageSync runs before each) neither repeats one nor hides one.
    const prefix = `type:${bySource ? 'SourceType' : 'DestinationType'}:`;
    let cut: readonly [string, string, string] | undefined;
    if (token !== undefined) {
      const ends = token.name.startsWith(prefix) ? parseJson(token.name.slice(prefix.length)) : undefined;
      if (typeof token.after !== 'string' || !Array.isArray(ends) || ends.length !== 2 || !ends.every((x) => typeof x === 'string')) throw badToken();
      cut = [token.after, ends[0] as string, ends[1] as string];
    }
    const artifactTypes = new Map<string, string>();
    let next: string | undefined;
    do {
      const page = await this.o.store.collection(lineageArtifactsCollection).list({ sortBy: 'createdAt', maxResults: 1000, ...(next ? { nextToken: next } : {}) });
      for (const { value } of page.items) artifactTypes.set(value.arn, value.artifactType);
      next = page.nextToken;
    } while (next);
    const typeOf = (arn: string) => (parseArn(arn)?.kind === 'artifact' ? (artifactTypes.get(arn) ?? 'Artifact') : vertexTypeOf(arn).type);
    const i = input;
    const typed = (await this.o.store.lineage.list(rows.storeQuery()))
      .map((e) => ({ e, st: typeOf(e.sourceArn), dt: typeOf(e.destinationArn) }))
      .filter((x) => (i.SourceType === undefined || x.st === i.SourceType) && (i.DestinationType === undefined || x.dt === i.DestinationType));
    const sign = (input.SortOrder ?? 'Descending') === 'Descending' ? -1 : 1;
    const order = (a: readonly [string, string, string], b: readonly [string, string, string]) => sign * (cmp(a[0], b[0]) || cmp(a[1], b[1]) || cmp(a[2], b[2]));
    const keyOf = (x: (typeof typed)[number]) => [bySource ? x.st : x.dt, x.e.sourceArn, x.e.destinationArn] as const;
    typed.sort((a, b) => order(keyOf(a), keyOf(b)));
    let at = cut === undefined ? 0 : typed.findIndex((x) => order(keyOf(x), cut) > 0);
    if (at < 0) at = typed.length;
    const kept: Row[] = [];
    while (kept.length <= max && at < typed.length) {
      kept.push(...(await rows.keep(typed.slice(at, at + chunkSize).map((x) => x.e))));
      at += chunkSize;
    }
    const page = kept.slice(0, max);
    const last = page[page.length - 1];
    return {
      AssociationSummaries: page.map(summaryOf),
      ...(kept.length > max && last ? { NextToken: encodeNextToken({ after: bySource ? last.s.vertex.Type : last.d.vertex.Type, name: `${prefix}${JSON.stringify([last.e.sourceArn, last.e.destinationArn])}` }) } : {}),
    };
  }

  private async inStoredOrder(input: Input, sortBy: StoredOrder, rows: Rows, max: number, token: { after: string | number; name: string } | undefined): Promise<Output> {
    let after: EdgeKey | undefined;
    if (token !== undefined) {
      // The token names the order it was issued in: one from another listing is refused, not misread.
      const prefix = `edge:${sortBy}:`;
      const ends = token.name.startsWith(prefix) ? parseJson(token.name.slice(prefix.length)) : undefined;
      if (typeof token.after !== 'number' || !Array.isArray(ends) || ends.length !== 2 || !ends.every((x) => typeof x === 'string')) throw badToken();
      after = { createdAt: token.after, sourceArn: ends[0] as string, destinationArn: ends[1] as string };
    }
    const page: Row[] = [];
    let more = true;
    while (page.length < max && more) {
      const edges = await this.o.store.lineage.list({ ...rows.storeQuery(), sortBy, order: input.SortOrder ?? 'Descending', limit: chunkSize, ...(after ? { after } : {}) });
      more = edges.length === chunkSize;
      const kept = new Set(await rows.keep(edges));
      const byEdge = new Map([...kept].map((r) => [r.e, r]));
      for (const [i, e] of edges.entries()) {
        after = { createdAt: e.createdAt, sourceArn: e.sourceArn, destinationArn: e.destinationArn };
        const r = byEdge.get(e);
        if (!r) continue;
        page.push(r);
        if (page.length === max) {
          more ||= i < edges.length - 1;
          break;
        }
      }
    }
    return {
      AssociationSummaries: page.map(summaryOf),
      ...(page.length === max && more && after ? { NextToken: encodeNextToken({ after: after.createdAt, name: `edge:${sortBy}:${JSON.stringify([after.sourceArn, after.destinationArn])}` }) } : {}),
    };
  }
}

/** One request's filters on edges and their ends, with the ends' vertices looked up once each. */
class Rows {
  private readonly vertices = new Map<string, LineageVertexInfo>();
  private readonly standing = new Map<string, boolean>();
  private readonly visibility: LineageVisibility | undefined;
  private readonly after: number | undefined;
  private readonly before: number | undefined;
  private readonly exist: ResourcesExist;

  /** `given`: the ends the caller named, listed though deleted (the caller's own words, as QueryLineage's start). */
  constructor(private readonly o: LineageAssociationsServiceOptions, private readonly input: Input, ctx: RequestContext, private readonly given: ReadonlySet<string> = new Set()) {
    this.visibility = o.authorize ? new LineageVisibility(o.authorize, ctx.principal, o.readCheck) : undefined;
    this.after = input.CreatedAfter !== undefined ? input.CreatedAfter * 1000 : undefined;
    this.before = input.CreatedBefore !== undefined ? input.CreatedBefore * 1000 : undefined;
    this.exist = o.resourcesExist ?? eachExists(o.resourceExists);
  }

  /** The store-side part of the filters (times inclusive there, exclusive in `keep`). */
  storeQuery(): LineageEdgeQuery {
    return {
      ...(this.input.AssociationType ? { associationType: this.input.AssociationType } : {}),
      ...(this.after !== undefined ? { createdAfter: this.after } : {}),
      ...(this.before !== undefined ? { createdBefore: this.before } : {}),
    };
  }

  /** The edges that pass every filter and the caller may see, as rows, in the order given. */
  async keep(edges: readonly LineageEdge[]): Promise<Row[]> {
    const i = this.input;
    const candidates = edges.filter((e) => (i.AssociationType === undefined || e.associationType === i.AssociationType)
      && (this.after === undefined || e.createdAt > this.after) && (this.before === undefined || e.createdAt < this.before));
    await this.lookUp(candidates.flatMap((e) => [e.sourceArn, e.destinationArn]));
    const rows = candidates.map((e) => ({ e, s: this.vertices.get(e.sourceArn)!, d: this.vertices.get(e.destinationArn)! }));
    const typed = rows.filter((r) => (i.SourceType === undefined || r.s.vertex.Type === i.SourceType) && (i.DestinationType === undefined || r.d.vertex.Type === i.DestinationType));
    const v = this.visibility;
    const stands = (arn: string) => this.standing.get(arn) === true || this.given.has(arn);
    const shown = await Promise.all(typed.map(async (r) => stands(r.e.sourceArn) && stands(r.e.destinationArn)
      && (v === undefined || ((await v.visible(r.e.sourceArn, r.s.uri)) && (await v.visible(r.e.destinationArn, r.d.uri))))));
    return typed.filter((_, n) => shown[n]);
  }

  /**
   * Reads the vertices (artifact records) of the ARNs not read yet and whether they still name something
   * Loam has (see LineageQueryService), a few queries for all of them rather than one lookup per end.
   */
  private async lookUp(arns: readonly string[]): Promise<void> {
    const fresh = [...new Set(arns)].filter((arn) => !this.vertices.has(arn));
    if (fresh.length === 0) return;
    const found = await lineageVertices(this.o.store, fresh);
    for (const [arn, x] of found) this.vertices.set(arn, x);
    for (const [arn, stands] of await standingVertices(found.values(), this.exist)) this.standing.set(arn, stands);
  }
}

function summaryOf({ e, s, d }: Row): Summary {
  return {
    SourceArn: e.sourceArn, DestinationArn: e.destinationArn, SourceType: s.vertex.Type, DestinationType: d.vertex.Type, AssociationType: e.associationType,
    ...(s.name !== undefined ? { SourceName: s.name } : {}), ...(d.name !== undefined ? { DestinationName: d.name } : {}),
    CreationTime: e.createdAt / 1000,
  };
}

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An offset this listing could have issued: a whole number from 0 (a forged -3 or 2.5 read rows out of order). */
function isOffset(after: string | number): boolean {
  return typeof after === 'number' && Number.isSafeInteger(after) && after >= 0;
}

function badToken(): ValidationError {
  return new ValidationError('NextToken is not a token this listing issued; pass the one the previous page answered with the same filters.', [{ path: '/NextToken', message: 'invalid token' }]);
}
