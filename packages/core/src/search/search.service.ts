import { searchShapes, type InputOf, type OutputOf, type operations } from '@loam/contracts';
import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import type { Principal, RequestContext } from '../kernel/context.js';
import { ValidationError } from '../kernel/errors.js';
import { clampMaxResults } from '../kernel/pagination.js';
import type { Filter, MetadataStore } from '../ports/metadata-store.js';
import { allOf, compileSearchExpression, compileVisibilityConditions, propertyOf, type RecordMatcher } from './search-expression.js';
import { compareHits, decodeSearchToken, encodeSearchToken, queryFingerprint, sortValueOf, type SearchCursor } from './search-order.js';
import type { PropertyRef } from './search-properties.js';
import type { SearchSource } from './search-source.js';

type Ops = typeof operations;
type In = InputOf<Ops['Search']>;
type Out = OutputOf<Ops['Search']>;
/** A store condition on a source's record, whatever its type. */
type AnyFilter = Filter<Record<string, unknown>>;

export interface SearchServiceOptions {
  readonly store: MetadataStore;
  readonly sources: readonly SearchSource[];
  /** The caller's policies: only resources the caller may describe are found. Unset: everything is. */
  readonly authorize?: ActionAuthorizer;
  /** Records read from the store per page while scanning. */
  readonly scanPageSize?: number;
}

interface Hit extends SearchCursor {
  readonly record: unknown;
}

/** One search, compiled: what to match, how to order, where to start. */
interface Plan {
  readonly source: SearchSource;
  /** What the store is asked besides the source's own conditions (the expression's column filters). */
  readonly storeFilters: readonly AnyFilter[];
  readonly matcher?: RecordMatcher;
  readonly sortRef: PropertyRef;
  readonly order: 'Ascending' | 'Descending';
  readonly storeField?: string;
  readonly cursor?: SearchCursor;
  readonly max: number;
  readonly principal: Principal;
}

/**
 * SageMaker's Search over the resources Loam keeps. The expression is compiled against the resource's
 * search record (its Describe answer with Tags) before any record is read; candidates are read from the
 * store page by page and matched here. Sorting by a property the store orders by (CreationTime, names,
 * LastModifiedTime where indexed) reads in that order from the token's position and stops once a page is
 * full; any other SortBy keeps only the best page of matches while it scans. A resource the caller may not
 * describe is never found, so neither the results nor a token name it.
 */
export class SearchService {
  private readonly sources: ReadonlyMap<string, SearchSource>;

  constructor(private readonly o: SearchServiceOptions) {
    this.sources = new Map(o.sources.map((s) => [s.resource, s]));
  }

  /** @throws ValidationException naming the field: an unsupported Resource, a bad expression, SortBy, MaxResults or NextToken. */
  async Search(input: In, ctx: RequestContext): Promise<Out> {
    const source = this.sources.get(input.Resource);
    if (!source) {
      throw new ValidationError(`Search of ${input.Resource} is not supported by Loam: it searches ${[...this.sources.keys()].join(', ')}.`, [{ path: '/Resource', message: 'not supported by Loam' }]);
    }
    const max = clampMaxResults(input.MaxResults, 10);
    const matcher = allOf([
      input.SearchExpression ? compileSearchExpression(source.props, input.SearchExpression) : undefined,
      input.VisibilityConditions ? compileVisibilityConditions(source.props, input.VisibilityConditions) : undefined,
    ]);
    const sortBy = input.SortBy ?? source.defaultSortBy;
    const sortRef = propertyOf(source.props, sortBy, '/SortBy');
    if (sortRef.kind === 'structure') {
      throw new ValidationError(`SortBy '${sortBy}' is a ${sortRef.isList ? 'list' : 'structure'}; sort by a text, number, timestamp or boolean property.`, [{ path: '/SortBy', message: 'not sortable' }]);
    }
    const order = input.SortOrder ?? 'Descending';
    const fingerprint = queryFingerprint([input.Resource, input.SearchExpression ?? null, input.VisibilityConditions ?? null, sortBy, order]);
    const cursor = decodeSearchToken(input.NextToken, fingerprint);
    // Loam is one account: nothing is shared into it from others.
    if (input.CrossAccountFilterOption === 'CrossAccount') return { Results: [] };
    const storeField = Object.hasOwn(source.storeOrder, sortBy) ? source.storeOrder[sortBy] : undefined;
    const storeFilters: AnyFilter[] = [...(source.filters ?? []) as readonly AnyFilter[], ...columnFilters(source, input.SearchExpression)];
    const plan: Plan = { source, storeFilters, ...(matcher ? { matcher } : {}), sortRef, order, ...(storeField ? { storeField } : {}), ...(cursor ? { cursor } : {}), max, principal: ctx.principal };
    const hits = storeField ? await this.inStoreOrder(plan) : await this.sortedHere(plan);
    const page = hits.slice(0, max);
    const results = [];
    for (const h of page) {
      const r = h.record;
      const rec = await orGone(source.record(r, await this.o.store.tags.list(source.arnOf(r)), ctx.principal));
      if (rec) results.push({ [searchShapes.searchableResources[source.resource]]: rec });
    }
    const last = page[page.length - 1];
    return { Results: results as Out['Results'], ...(hits.length > max && last ? { NextToken: encodeSearchToken(last, fingerprint) } : {}) };
  }

  /** Reads in the store's order from the cursor on, until one match more than a page (so NextToken is only given when more match). */
  private async inStoreOrder(p: Plan): Promise<Hit[]> {
    const field = p.storeField as string;
    const { cursor, order } = p;
    const filters: AnyFilter[] = [...p.storeFilters];
    if (cursor && cursor.value !== null && typeof cursor.value !== 'boolean') filters.push({ field, op: order === 'Descending' ? 'lte' : 'gte', value: cursor.value });
    const hits: Hit[] = [];
    for await (const record of this.scan(p, filters, field)) {
      const fields = record as Record<string, unknown>;
      const hit = { value: fields[field] as string | number, key: keyOf(p.source, record), record };
      if (cursor && compareHits(hit, cursor, order) <= 0) continue;
      // A record modified during the scan moves to a later store page (Ascending by LastModifiedTime): once only.
      if (hits.some((h) => h.key === hit.key)) continue;
      if (!(await this.found(p, record))) continue;
      hits.push(hit);
      if (hits.length > p.max) break;
    }
    return hits;
  }

  /** Scans every candidate, keeping the best `max + 1` matches after the cursor in the requested order. */
  private async sortedHere(p: Plan): Promise<Hit[]> {
    const keep = p.max + 1;
    let best: Hit[] = [];
    const cmp = (a: Hit, b: Hit) => compareHits(a, b, p.order);
    const tagsForSort = p.sortRef.readsTags;
    for await (const record of this.scan(p, p.storeFilters)) {
      const doc = await this.recordOf(p, record, tagsForSort);
      if (!doc || (p.matcher && !p.matcher.matches(doc))) continue;
      const hit: Hit = { value: sortValueOf(p.sortRef.values(doc), p.sortRef.numericText), key: keyOf(p.source, record), record };
      if (p.cursor && compareHits(hit, p.cursor, p.order) <= 0) continue;
      if (!(await this.visible(p, record))) continue;
      best.push(hit);
      if (best.length >= 2 * keep) best = best.sort(cmp).slice(0, keep);
    }
    return best.sort(cmp).slice(0, keep);
  }

  private async *scan(p: Plan, filters: readonly AnyFilter[], sortBy?: string): AsyncGenerator<unknown> {
    if (p.source.records) {
      yield* p.source.records();
      return;
    }
    const col = this.o.store.collection(p.source.collection as NonNullable<SearchSource['collection']>);
    let nextToken: string | undefined;
    do {
      const page = await col.list({
        filters: filters as readonly Filter<any>[], maxResults: this.o.scanPageSize ?? 200,
        ...(sortBy ? { sortBy: sortBy as never, sortOrder: p.order } : {}), ...(nextToken ? { nextToken } : {}),
      });
      for (const v of page.items) yield v.value;
      nextToken = page.nextToken;
    } while (nextToken);
  }

  /** The search record; undefined when the resource was deleted since it was read (its record reads it again). */
  private async recordOf(p: Plan, record: unknown, withTags: boolean): Promise<Record<string, unknown> | undefined> {
    const tags = withTags || p.matcher?.readsTags ? await this.o.store.tags.list(p.source.arnOf(record)) : undefined;
    return orGone(p.source.record(record, tags, p.principal));
  }

  /** Whether the record matches and the caller may see it. */
  private async found(p: Plan, record: unknown): Promise<boolean> {
    if (p.matcher) {
      const doc = await this.recordOf(p, record, false);
      if (!doc || !p.matcher.matches(doc)) return false;
    }
    return this.visible(p, record);
  }

  private async visible(p: Plan, record: unknown): Promise<boolean> {
    if (!(await isAllowed(this.o.authorize, p.principal, p.source.readAction, p.source.arnOf(record)))) return false;
    return p.source.alsoVisible ? p.source.alsoVisible(record, p.principal) : true;
  }
}

/** A record, or undefined when its resource is gone (ResourceNotFound): one deleted during the search is not found. */
async function orGone(record: Promise<Record<string, unknown>>): Promise<Record<string, unknown> | undefined> {
  try {
    return await record;
  } catch (e) {
    if ((e as { code?: string }).code === 'ResourceNotFound') return undefined;
    throw e;
  }
}

function keyOf(source: SearchSource, record: unknown): string {
  return source.keyOf ? source.keyOf(record) : String((record as Record<string, unknown>)[source.collection?.key as string]);
}

/**
 * The store conditions an expression implies: a top-level Equals or In (under And, the default) on a
 * property the source keeps in a column. The expression is still matched in full on what the store returns.
 * A value with a NUL is not asked of the store: no column holds one (the SQL stores refuse it as a filter
 * value, a ValidationException naming the column), so the expression alone decides.
 */
function columnFilters(source: SearchSource, expr: In['SearchExpression']): AnyFilter[] {
  if (!expr || expr.Operator === 'Or') return [];
  return (expr.Filters ?? []).flatMap((f): AnyFilter[] => {
    const field = source.columns && Object.hasOwn(source.columns, f.Name) ? source.columns[f.Name] : undefined;
    if (!field || f.Value === undefined || f.Value.includes('\u0000')) return [];
    const op = f.Operator ?? 'Equals';
    if (op === 'Equals') return [{ field, op: 'eq', value: f.Value }];
    if (op === 'In') return [{ field, op: 'in', value: f.Value.split(',').map((v) => v.trim()) }];
    return [];
  });
}
