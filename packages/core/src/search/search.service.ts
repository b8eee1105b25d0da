import { searchShapes, type InputOf, type OutputOf, type operations } from '@loam/contracts';
import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import type { Principal, RequestContext } from '../kernel/context.js';
import { ValidationError } from '../kernel/errors.js';
import { clampMaxResults } from '../kernel/pagination.js';
import { visiblePageReadCap } from '../experiments/sagemaker/visible-page.js';
import { valueAtPath, type Collection, type Filter, type MetadataStore } from '../ports/metadata-store.js';
import { allOf, compileSearchExpression, compileVisibilityConditions, propertyOf, type RecordMatcher } from './search-expression.js';
import { compareHits, decodeSearchToken, encodeSearchToken, queryFingerprint, sortValueOf, type SearchCursor, type SearchPosition, type SortValue } from './search-order.js';
import type { PropertyRef } from './search-properties.js';
import { columnFilters, lookupOf, requiredEntries } from './search-pushdown.js';
import type { RequiredEntries, SearchSource, StoredMember, StorePage, StorePages } from './search-source.js';
import { SearchTags, type CandidateTags } from './search-tags.js';

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
  /** How many records a search in store order reads past its page to count TotalHits (default COUNT_PAST_PAGE). */
  readonly countPastPage?: number;
  /** How much a page's records weigh at most before it takes no more (`SearchSource.weight`; default PAGE_BUDGET). Tests lower it. */
  readonly pageBudget?: number;
  /** How many records a search in store order decides before it may end its page short (default visiblePageReadCap(MaxResults)). Tests lower it. */
  readonly readCap?: number;
}

/** How far a search in store order reads past its page to count TotalHits: records read, matching or not. */
export const COUNT_PAST_PAGE = 200;

/**
 * What a Search page's records weigh at most before it takes no more (`SearchSource.weight`): 10,000 of a trial's
 * TrialComponentSummaries or a trial component's Parents. Both are listed whole (SageMaker's shapes have no limit),
 * so a page of MaxResults 100 trials of 100,000 components each would hold 10 million; it ends instead after the
 * record that reaches the budget (at least one a page) and NextToken goes on from the next: an answer holds the
 * budget and one record's list at most.
 */
export const PAGE_BUDGET = 10_000;

/**
 * The most other partitions (regions, accounts a config named before) whose ARNs a tag-filtered search asks the tag
 * store for (`otherPartitions`); past that it reads the collection whole and decides those records on their tags.
 */
const MAX_OTHER_PARTITIONS = 16;

/** The most records one store listing returns. */
const MAX_STORE_PAGE = 1000;

/** Candidates whose tags a scan reads in one query (a store page's worth). */
const TAGS_AHEAD = 200;

/**
 * Jobs per values read when it reads a whole map (`HyperParameters` named without an entry): as many as a scan's
 * store page of full records, so such a search holds no more at once than reading every record would.
 */
const WHOLE_MAP_PAGE = 200;

/**
 * How many times a search by stored values reads them again when a record of its page changed between the values
 * read and the records read; past that (records changing faster than a scan), it reads and matches the records.
 */
const STALE_PAGE_READS = 3;

interface Hit extends SearchCursor {
  readonly record: unknown;
}

/** What a scan found: the page's hits (one more than a page when more match), and how many match in all. */
interface Found {
  readonly hits: Hit[];
  readonly total: number;
  /** Whether `total` counts every match, or those found before the scan stopped counting. */
  readonly exact: boolean;
  /**
   * Where the next page starts when the read cap ended this one short (`inStoreOrder`): the last record read that the
   * caller may see, matching or not (at or after the page's last hit). Unset when the page ended otherwise.
   */
  readonly resume?: SearchCursor;
}

/** One search, compiled: what to match, how to order, where to start. */
interface Plan {
  readonly source: SearchSource;
  /** What the store is asked besides the source's own conditions (the expression's column filters). */
  readonly storeFilters: readonly AnyFilter[];
  /** The entries the expression requires, for a source whose store can require them (`entryMembers`). */
  readonly need?: RequiredEntries;
  readonly matcher?: RecordMatcher;
  readonly sortRef: PropertyRef;
  readonly order: 'Ascending' | 'Descending';
  /** The records in the sort's order, from a position on, store page by store page, when the store keeps that order. */
  readonly inOrder?: { value(record: unknown): string | number; read(from?: SearchCursor): StorePages<unknown> };
  /** A record found by the one value the expression requires of a member (a name), instead of a scan. */
  readonly lookup?: () => Promise<unknown>;
  /** Whether the source's summary holds every member the sort and the expression read: the full record is built for the page only. */
  readonly light: boolean;
  /** How many records past the page TotalHits counts: none unless a record is decided by its row or summary alone. */
  readonly countPastPage: number;
  readonly cursor?: SearchPosition;
  readonly max: number;
  readonly principal: Principal;
  /** The candidates' tags, when the sort or the expression reads them: the store decides required tag filters, the rest is read a chunk at a time. */
  readonly tags: CandidateTags;
}

/**
 * SageMaker's Search over the resources Loam keeps. The expression is compiled against the resource's
 * search record (its Describe answer with Tags) before any record is read; candidates are read from the
 * store page by page and matched here. Sorting by a property the store orders by (CreationTime, names,
 * LastModifiedTime where indexed) reads in that order from the token's position, stops once a page is full (or,
 * short, once it has decided visiblePageReadCap records: NextToken then goes on after the last one the caller may see)
 * and counts on for at most COUNT_PAST_PAGE more records of the store page it has, when each is decided by its
 * row or summary alone (no tags, no record built from other reads: TotalHits never makes a search do such work for records past
 * its page), TotalHits GreaterThanOrEqualTo when it stops before the end; any other SortBy reads every candidate, keeping only the best page of matches, and counts
 * them all (TotalHits EqualTo): where the sort and the expression read only members the store holds
 * (`storedMembers`: a training job's HyperParameters, FinalMetricDataList, status, times), only those values are
 * read of each candidate (`Collection.values`; of a map, only the entries they name, `HyperParameters.eta`) and the records of the page alone. What the store can decide narrows what it reads (an Equals or In on a
 * column, a time range on an indexed time, a name looked up); a search that sorts and filters only on what
 * a source's summary holds builds the full record for its page only. A resource the caller may not describe
 * is never found, so neither the results, TotalHits nor a token count or name it. NextToken is a keyset
 * position, not a snapshot (SageMaker's promises none): a record modified between two calls moves in the order,
 * so a walk by LastModifiedTime Descending leaves out one modified before the walk reached it (a new search finds
 * it first) and returns none twice; Ascending, one modified after it was returned comes again at its new place.
 */
export class SearchService {
  private readonly sources: ReadonlyMap<string, SearchSource>;

  constructor(private readonly o: SearchServiceOptions) {
    this.sources = new Map(o.sources.map((s) => [s.resource, s]));
  }

  /** @throws ValidationException naming the field: an unsupported Resource, a bad expression, VisibilityConditions, SortBy, MaxResults or NextToken. */
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
    const storeFilters: AnyFilter[] = [...(source.filters ?? []) as readonly AnyFilter[], ...columnFilters(source, input.SearchExpression)];
    const tags = this.candidateTags(source, input.SearchExpression, sortRef.readsTags || (matcher?.readsTags ?? false));
    const summarised = new Set([...(source.summaryMembers ?? []), 'Tags']);
    const light = source.summary !== undefined && !source.props.tagsAt && summarised.has(sortRef.root) && [...(matcher?.members ?? [])].every((m) => summarised.has(m));
    // Past the page, a record is counted only when deciding it reads no tags and builds no record from other reads.
    const countPastPage = !matcher || (!matcher.readsTags && (light || source.recordFromRow === true)) ? (this.o.countPastPage ?? COUNT_PAST_PAGE) : 0;
    const need = requiredEntries(source, input.SearchExpression);
    const inOrder = this.inOrder(source, sortBy, order, storeFilters, max + countPastPage, need);
    const fingerprint = queryFingerprint([input.Resource, input.SearchExpression ?? null, input.VisibilityConditions ?? null, sortBy, order]);
    const cursor = decodeSearchToken(input.NextToken, fingerprint, (v) => cursorFits(v, sortRef, inOrder !== undefined));
    // Loam is one account: nothing is shared into it from others.
    if (input.CrossAccountFilterOption === 'CrossAccount') return { Results: [], TotalHits: { Value: 0, Relation: 'EqualTo' } };
    // The ARNs the store found for the required tag filters, when few: the collection reads those records alone
    // (storeFilters is read when the reads start, by the store-order walk and the scan alike).
    const tagged = await tags.storeFilter();
    if (tagged) storeFilters.push(tagged);
    const lookup = lookupOf(source, input.SearchExpression);
    const plan: Plan = {
      source, storeFilters, sortRef, order, light, countPastPage, max, principal: ctx.principal,
      tags,
      ...(matcher ? { matcher } : {}), ...(need ? { need } : {}), ...(inOrder ? { inOrder } : {}), ...(lookup ? { lookup } : {}), ...(cursor ? { cursor } : {}),
    };
    const stored = !inOrder && !lookup ? storedMembersOf(source, sortRef, matcher) : undefined;
    let found: Found;
    let page: Hit[];
    const results = [];
    const budget = this.o.pageBudget ?? PAGE_BUDGET;
    // The answer's records are built again (an experiment's, a trial's or a component's Describe reads the store
    // anew): one changed since it was matched (renamed, deleted) is not shown as matching, nor, sorted here (its sort
    // value read of the same record), out of its order; the search runs again (STALE_PAGE_READS times in all, then
    // one no longer matching is left out).
    const readInOrder = inOrder !== undefined && !lookup;
    for (let attempt = 1; ; attempt++) {
      found = readInOrder ? await this.inStoreOrder(plan) : stored ? await this.sortedByValues(plan, stored) : await this.sortedHere(plan);
      page = found.hits.slice(0, max);
      results.length = 0;
      let stale = false;
      let weight = 0;
      for (const [i, h] of page.entries()) {
        // The records already in the page weigh the budget: the page ends here, NextToken goes on from this hit.
        if (weight >= budget) {
          page = page.slice(0, i);
          break;
        }
        const r = h.record;
        const rec = await orGone(source.record(r, await this.o.store.tags.list(source.arnOf(r)), ctx.principal));
        if (!rec || (matcher && !matcher.matches(rec))) {
          stale = true;
          continue;
        }
        if (!readInOrder && sortValueOf(sortRef.values(rec), sortRef.numericText) !== h.value) stale = true;
        results.push({ [searchShapes.searchableResources[source.resource]]: rec });
        weight += source.weight?.(rec) ?? 0;
      }
      if (!stale || attempt >= STALE_PAGE_READS) break;
    }
    const last = page[page.length - 1];
    return {
      Results: results as Out['Results'],
      ...(found.hits.length > page.length && last ? { NextToken: encodeSearchToken(last, fingerprint, (cursor?.seen ?? 0) + page.length) } : {}),
      // The read cap ended the page (every hit in it): the next page reads on after the last record read the caller may see.
      ...(found.hits.length === page.length && found.resume ? { NextToken: encodeSearchToken(found.resume, fingerprint, (cursor?.seen ?? 0) + page.length) } : {}),
      TotalHits: { Value: found.total, Relation: found.exact ? 'EqualTo' : 'GreaterThanOrEqualTo' },
    };
  }

  /**
   * How the search reads its candidates' tags (`reads`: whether it reads any): the store decides the required tag
   * filters, for the server's partition and those of the records stored under another (before the config changed).
   */
  protected candidateTags(source: SearchSource, expr: In['SearchExpression'], reads: boolean): CandidateTags {
    return new SearchTags(this.o.store.tags, source, expr, reads, () => this.otherPartitions(source));
  }

  /**
   * The ARN prefixes (`arnPrefix` with another region or account) of the records the source's collection holds
   * under another partition than the server's: records stored before the config changed, which Describe, the Lists
   * and Search still show under those ARNs, with the tags kept under them. [] when none (two reads of at most one
   * record, by the ARN field's index, on each side of the server's partition's ARNs); else one such read more per
   * partition found, each skipping past that partition's ARNs. Undefined when more than MAX_OTHER_PARTITIONS are
   * found, or an ARN there is not `<partition>:<kind>/…`: the tag store cannot be asked for them all.
   */
  private async otherPartitions(source: SearchSource): Promise<readonly string[] | undefined> {
    const field = source.arnField;
    if (!source.collection || field === undefined || source.arnPrefix === undefined) return [];
    const fields = source.arnPrefix.split(':');
    // `arn:loam:sagemaker:<region>:<account>:`, the type's part after it, and what every ARN of a partition sorts before (':' + 1 is ';').
    const start = `${fields.slice(0, 5).join(':')}:`;
    const kind = fields.slice(5).join(':');
    const past = (partitionPrefix: string) => `${partitionPrefix.slice(0, -1)};`;
    const col = this.o.store.collection(source.collection as Collection<Record<string, unknown>>['spec']);
    const filters = (source.filters ?? []) as readonly AnyFilter[];
    const found: string[] = [];
    for (const [from, below] of [[undefined, start], [past(start), undefined]] as const) {
      let at: string | undefined = from;
      for (;;) {
        const range: AnyFilter[] = [...(at === undefined ? [] : [{ field, op: 'gte', value: at } as AnyFilter]), ...(below === undefined ? [] : [{ field, op: 'lt', value: below } as AnyFilter])];
        const first = (await col.list({ filters: [...filters, ...range], sortBy: field, sortOrder: 'Ascending', maxResults: 1 })).items[0];
        if (!first) break;
        const arn = String((first.value as Record<string, unknown>)[field]);
        const partitionPrefix = `${arn.split(':').slice(0, 5).join(':')}:`;
        if (arn.split(':').length < 6 || !arn.startsWith(`${partitionPrefix}${kind}`) || found.length >= MAX_OTHER_PARTITIONS) return undefined;
        found.push(`${partitionPrefix}${kind}`);
        at = past(partitionPrefix);
      }
    }
    return found;
  }

  /**
   * The records in `sortBy`'s order, when the store keeps it: a collection's indexed field, or a source's own
   * ordered read. A collection's first store page holds the page, its look-ahead and the records TotalHits counts
   * past it (`upTo`, and the one that says more follow), so counting needs no second store page.
   */
  private inOrder(source: SearchSource, sortBy: string, order: 'Ascending' | 'Descending', filters: readonly AnyFilter[], upTo: number, need: RequiredEntries | undefined): Plan['inOrder'] {
    if (source.orderedReads) {
      const read = Object.hasOwn(source.orderedReads, sortBy) ? source.orderedReads[sortBy] : undefined;
      return read && { value: (r) => read.value(r), read: (from) => read.read(order, from, need) };
    }
    const field = Object.hasOwn(source.storeOrder, sortBy) ? source.storeOrder[sortBy] : undefined;
    if (!field || !source.collection) return undefined;
    return {
      value: (r) => (r as Record<string, unknown>)[field] as string | number,
      read: (from) => {
        const range: AnyFilter[] = from && (typeof from.value === 'string' || typeof from.value === 'number') ? [{ field, op: order === 'Descending' ? 'lte' : 'gte', value: from.value }] : [];
        // From a token, the first record read is usually the token's own (read again, skipped).
        return this.storePages(source, [...filters, ...range], { field, order }, upTo + 2 + (from ? 1 : 0));
      },
    };
  }

  /**
   * Reads in the store's order from the cursor on until one match more than a page (so NextToken is only given
   * when more match), then counts on for at most `countPastPage` records, within the store page it has read:
   * deciding a record past the page never reads another store page, its tags or its full record (the plan counts
   * none past the page when the expression needs those). Records of the page's last value are all read before it
   * stops, so the page is the first matches by compareHits whatever order the store gives records of equal value.
   *
   * Bounded (as the Lists' fillVisiblePage): once it has decided `readCap` records (visiblePageReadCap: 10 × MaxResults,
   * at least 1,000) with its page not full, it ends the page short at the next record the caller may see, matching
   * or not, and the next page reads on after that one (`Found.resume`), so a filter matching few of many records
   * costs each call a bounded read and paging still reaches every match (SageMaker's Search may also answer fewer
   * results than MaxResults with a NextToken). A token holds only the position of a record the caller may see, never
   * of one hidden: past the cap, hidden records are read on until a visible one (a caller who may see none of a
   * long run of records reads it whole, as a List does). The store's orders break ties by key as compareHits does,
   * so the next page, read from that position, skips no record.
   */
  private async inStoreOrder(p: Plan): Promise<Found> {
    const inOrder = p.inOrder as NonNullable<Plan['inOrder']>;
    const { cursor, order } = p;
    let hits: Hit[] = [];
    const keys = new Set<string>();
    let counted = 0;
    let pastPage = 0;
    let decided = 0;
    const cap = this.o.readCap ?? visiblePageReadCap(p.max);
    const cmp = (a: Hit, b: Hit) => compareHits(a, b, order);
    const lowerBound = (): Found => ({ hits: hits.sort(cmp), total: (cursor?.seen ?? 0) + counted, exact: false });
    for await (const storePage of inOrder.read(cursor)) {
      // Tags a page and its look-ahead at a time: records past them cost a read each in some sources.
      for await (const record of p.tags.ahead(storePage.records, p.max + 2)) {
        const hit = { value: inOrder.value(record), key: keyOf(p.source, record), record };
        const full = hits.length > p.max;
        const tie = full && hit.value === (hits[hits.length - 1] as Hit).value;
        if (full && !tie && ++pastPage > p.countPastPage) return lowerBound();
        if (cursor && compareHits(hit, cursor, order) <= 0) continue;
        // A record modified during the scan moves to a later store page (Ascending by LastModifiedTime): once only.
        if (keys.has(hit.key)) continue;
        if (!full && ++decided > cap) {
          // Past the cap: a hidden record is passed over unmatched, the first visible one ends the page (a hit when it matches).
          if (!(await this.visible(p, record))) continue;
          const matches = !p.matcher || (await this.matches(p, record));
          if (matches) {
            keys.add(hit.key);
            counted++;
            hits.push(hit);
          }
          if (hits.length <= p.max) return { ...lowerBound(), resume: hit };
          continue;
        }
        if (!(await this.found(p, record))) continue;
        keys.add(hit.key);
        counted++;
        if (full && !tie) continue;
        hits.push(hit);
        if (hits.length > p.max + 1) hits = hits.sort(cmp).slice(0, p.max + 1);
      }
      // Only counting goes on past the page, and it asks the store for no further page.
      if (pastPage > 0 && !storePage.last) return lowerBound();
    }
    // Unsorted until more than a page and one matched: equal values may have come in another order than compareHits'.
    return { hits: hits.sort(cmp), total: (cursor?.seen ?? 0) + counted, exact: true };
  }

  /** Scans every candidate, keeping the best `max + 1` matches after the cursor in the requested order, and counting every match. */
  private async sortedHere(p: Plan): Promise<Found> {
    const keep = p.max + 1;
    let best: Hit[] = [];
    let total = 0;
    const cmp = (a: Hit, b: Hit) => compareHits(a, b, p.order);
    const tagsForSort = p.sortRef.readsTags;
    // A record the store pages return twice (offset pages over a list that grew before the offset meanwhile:
    // a component created, or whose run logged the first point of a filtered metric) is one record.
    const keys = new Set<string>();
    for await (const record of p.tags.ahead(this.scan(p), TAGS_AHEAD)) {
      const key = keyOf(p.source, record);
      if (keys.has(key)) continue;
      const doc = await this.recordOf(p, record, tagsForSort);
      if (!doc || (p.matcher && !p.matcher.matches(doc))) continue;
      if (!(await this.visible(p, record))) continue;
      keys.add(key);
      total++;
      const hit: Hit = { value: sortValueOf(p.sortRef.values(doc), p.sortRef.numericText), key, record };
      if (p.cursor && compareHits(hit, p.cursor, p.order) <= 0) continue;
      best.push(hit);
      if (best.length >= 2 * keep) best = best.sort(cmp).slice(0, keep);
    }
    return { hits: best.sort(cmp).slice(0, keep), total, exact: true };
  }

  /**
   * As `sortedHere`, for a search whose sort and expression read only members the store holds
   * (`storedMembers`): every candidate's key, ARN and those members are read, not its record, and matched and
   * sorted as the full record would be (the same members, the same matcher and `sortValueOf`), so the answer is
   * the same; then only the page's records (and its look-ahead) are read in full. The values and the records are
   * two reads: a page record changed in between (no longer matching, another sort value) or deleted would show
   * values the search did not match, or leave the page short with no NextToken, so the page's records are matched
   * again as read and, when one differs, the values are read again (STALE_PAGE_READS times, then every record is
   * read and matched as read, as `sortedHere` does).
   */
  private async sortedByValues(p: Plan, stored: Stored): Promise<Found> {
    const col = this.o.store.collection(p.source.collection as NonNullable<SearchSource['collection']>);
    for (let attempt = 0; attempt < STALE_PAGE_READS; attempt++) {
      const { best, total } = await this.bestByValues(p, stored, col);
      const hits: Hit[] = [];
      for (const h of best) {
        const r = await col.get(h.key);
        if (!r || !sameAsMatched(p, stored, r.value, h)) break;
        hits.push({ ...h, record: r.value });
      }
      if (hits.length === best.length) return { hits, total, exact: true };
    }
    return this.sortedHere(p);
  }

  /** The best `max + 1` candidates after the cursor by their stored members' values (no records read), and how many match. */
  private async bestByValues(p: Plan, stored: Stored, col: Collection<unknown>): Promise<{ best: Hit[]; total: number }> {
    const keep = p.max + 1;
    const cmp = (a: Hit, b: Hit) => compareHits(a, b, p.order);
    const paths = [stored.arn, ...stored.reads.flatMap((m) => m.paths)];
    const limit = stored.reads.some((m) => m.wholeMap) ? WHOLE_MAP_PAGE : MAX_STORE_PAGE;
    let best: Hit[] = [];
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await col.values({ filters: p.storeFilters as readonly Filter<any>[], paths, limit, ...(after === undefined ? {} : { after }) });
      for (const row of rows) {
        const doc = storedDoc(stored, row.values.slice(1));
        if (p.matcher && !p.matcher.matches(doc)) continue;
        const arn = row.values[0];
        if (typeof arn !== 'string' || !(await isAllowed(this.o.authorize, p.principal, p.source.readAction, arn))) continue;
        total++;
        const hit: Hit = { value: sortValueOf(p.sortRef.values(doc), p.sortRef.numericText), key: row.key, record: undefined };
        if (p.cursor && compareHits(hit, p.cursor, p.order) <= 0) continue;
        best.push(hit);
        if (best.length >= 2 * keep) best = best.sort(cmp).slice(0, keep);
      }
      if (rows.length < limit) break;
      after = (rows[rows.length - 1] as (typeof rows)[number]).key;
    }
    return { best: best.sort(cmp).slice(0, keep), total };
  }

  /** Every candidate: the one a lookup finds, a source's own records, or the collection's that meet the store filters. */
  private async *scan(p: Plan): AsyncGenerator<unknown> {
    if (p.lookup) {
      const r = await p.lookup();
      if (r !== undefined) yield r;
    } else if (p.source.records) {
      yield* p.source.records(p.need);
    } else {
      // A required tag filter on more resources than one 'in' filter holds: the records of its resources alone, a page
      // of their ARNs at a time (each record is in one page), instead of every record of the collection.
      const chunks = await p.tags.chunkFilters();
      if (!chunks) {
        for await (const page of this.storePages(p.source, p.storeFilters)) yield* page.records;
        return;
      }
      for await (const arns of chunks) for await (const page of this.storePages(p.source, [...p.storeFilters, arns])) yield* page.records;
    }
  }

  private async *storePages(source: SearchSource, filters: readonly AnyFilter[], sort?: { field: string; order: 'Ascending' | 'Descending' }, firstPage = 0): AsyncGenerator<StorePage<unknown>> {
    const col = this.o.store.collection(source.collection as NonNullable<SearchSource['collection']>);
    const size = this.o.scanPageSize ?? 200;
    let nextToken: string | undefined;
    do {
      const page = await col.list({
        filters: filters as readonly Filter<any>[], maxResults: nextToken ? size : Math.min(MAX_STORE_PAGE, Math.max(size, firstPage)),
        ...(sort ? { sortBy: sort.field as never, sortOrder: sort.order } : {}), ...(nextToken ? { nextToken } : {}),
      });
      yield { records: page.items.map((v) => v.value), last: !page.nextToken };
      nextToken = page.nextToken;
    } while (nextToken);
  }

  /**
   * What the sort and the expression read of a record: its summary (with Tags when read) when that is all
   * they need, else its search record; undefined when the resource was deleted since it was read.
   */
  private async recordOf(p: Plan, record: unknown, withTags: boolean): Promise<Record<string, unknown> | undefined> {
    const readsTags = withTags || p.matcher?.readsTags;
    // One the store decided cannot match (a required tag filter) is no match: neither its tags read nor its record built.
    if (readsTags && (await p.tags.excludes(p.source.arnOf(record)))) return undefined;
    const tags = readsTags ? await p.tags.of(p.source.arnOf(record)) : undefined;
    if (p.light && p.source.summary) return { ...p.source.summary(record), ...(tags ? { Tags: tags.map((t) => ({ Key: t.Key, Value: t.Value })) } : {}) };
    return orGone(p.source.record(record, tags, p.principal));
  }

  /** Whether the record matches and the caller may see it. */
  private async found(p: Plan, record: unknown): Promise<boolean> {
    if (p.matcher && !(await this.matches(p, record))) return false;
    return this.visible(p, record);
  }

  /** Whether the record matches the expression (the plan has one): false when its resource is gone. */
  private async matches(p: Plan, record: unknown): Promise<boolean> {
    const doc = await this.recordOf(p, record, false);
    return doc !== undefined && (p.matcher as RecordMatcher).matches(doc);
  }

  private async visible(p: Plan, record: unknown): Promise<boolean> {
    if (!(await isAllowed(this.o.authorize, p.principal, p.source.readAction, p.source.arnOf(record)))) return false;
    return p.source.alsoVisible ? p.source.alsoVisible(record, p.principal) : true;
  }
}

/** What a search reads of one stored member: the values at `paths`, and the member as the search record holds it. */
interface MemberRead {
  readonly paths: readonly (readonly string[])[];
  /** Whether it reads a whole map (`byEntry`) of unbounded size. */
  readonly wholeMap?: boolean;
  doc(values: readonly unknown[]): Record<string, unknown>;
}

/** The members a search reads, where the store holds each (`SearchSource.storedMembers`), and the ARN. */
interface Stored {
  readonly arn: readonly string[];
  readonly reads: readonly MemberRead[];
}

/**
 * Entry keys the search reads the whole map for rather than name in a path: PostgreSQL refuses U+0000 in a
 * parameter (the statement fails) and receives a lone surrogate as U+FFFD (naming another key).
 */
const UNNAMEABLE_KEY = /[\u0000\p{Cs}]/u;

/** The stored members the sort and the expression read, when the store holds every one and nothing reads tags or decides visibility besides the ARN. */
function storedMembersOf(source: SearchSource, sortRef: PropertyRef, matcher: RecordMatcher | undefined): Stored | undefined {
  const held = source.storedMembers;
  if (!held || !source.arnPath || !source.collection || source.records || source.alsoVisible || sortRef.readsTags || matcher?.readsTags) return undefined;
  const refs = [sortRef, ...(matcher?.refs ?? [])];
  const roots = [...new Set(refs.map((r) => r.root))];
  if (!roots.every((r) => Object.hasOwn(held, r))) return undefined;
  return { arn: source.arnPath, reads: roots.map((r) => memberRead(held[r] as StoredMember, refs.filter((ref) => ref.root === r))) };
}

/**
 * A map member read by the entries the search names alone (a job's 100 hyperparameters of 2,500 characters are
 * ~275 KB, and a values read takes MAX_STORE_PAGE jobs), when every property read of it names one entry; else
 * the whole member (WHOLE_MAP_PAGE jobs a read). The entries absent from a record are absent from the map built, as from the whole one.
 */
function memberRead(m: StoredMember, refs: readonly PropertyRef[]): MemberRead {
  const keys = [...new Set(refs.map((r) => r.entry))];
  if (!m.byEntry || keys.some((k) => k === undefined || UNNAMEABLE_KEY.test(k))) return { paths: [m.path], doc: ([v]) => m.doc(v), ...(m.byEntry ? { wholeMap: true } : {}) };
  const named = keys as string[];
  return {
    paths: named.map((k) => [...m.path, k]),
    // fromEntries: a key such as `__proto__` is an entry of the map, as JSON.parse makes it.
    doc: (values) => m.doc(Object.fromEntries(named.flatMap((k, i) => (values[i] === undefined ? [] : [[k, values[i]]])))),
  };
}

/** The members read (the values at `stored.reads`' paths, in order) as the search record holds them. */
function storedDoc(stored: Stored, values: readonly unknown[]): Record<string, unknown> {
  let at = 0;
  return Object.assign({}, ...stored.reads.map((m) => m.doc(values.slice(at, (at += m.paths.length))))) as Record<string, unknown>;
}

/** Whether a record read for the page still matches, with the sort value its stored values were matched with. */
function sameAsMatched(p: Plan, stored: Stored, record: unknown, matched: SearchCursor): boolean {
  const doc = storedDoc(stored, stored.reads.flatMap((m) => m.paths.map((path) => valueAtPath(record, path))));
  if (p.matcher && !p.matcher.matches(doc)) return false;
  return sortValueOf(p.sortRef.values(doc), p.sortRef.numericText) === matched.value;
}

/**
 * Whether a token's sort value is one this search can have issued: a number for numbers and timestamps (and
 * hyperparameters, compared as numbers), text for text, a boolean for booleans; none only where records
 * may lack the property (sorted here: the store's order fields are on every record).
 */
function cursorFits(v: SortValue, ref: PropertyRef, inStoreOrder: boolean): boolean {
  if (v === null) return !inStoreOrder;
  if (typeof v === 'number') return ref.kind === 'number' || ref.kind === 'timestamp' || ref.numericText;
  if (typeof v === 'string') return ref.kind === 'text';
  return ref.kind === 'boolean' && !inStoreOrder;
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
