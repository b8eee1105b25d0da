import type { Filter, Tag, TaggedRange, TaggedResource, TagStore } from '../ports/metadata-store.js';
import { compileFilter, type ValuesTest } from './filter-operators.js';
import { propertyOf, type SearchExpression } from './search-expression.js';
import { required } from './search-pushdown.js';
import type { SearchSource } from './search-source.js';

/**
 * The most ARNs a search asks the collection for (an `in` filter), and holds of one tag filter: past that, it reads
 * the records a page of tagged ARNs at a time (`chunkFilters`), or reads them all and decides each on its tags.
 */
const MAX_ASKED_ARNS = 1000;

/** Text a store cannot be asked for (PostgreSQL refuses U+0000 in a parameter and reads a lone surrogate as U+FFFD): decided here. */
const UNASKABLE = /[\u0000\p{Cs}]/u;

/** A required `Tags.<key>` filter the store is asked: the resources having the key (with one of `values`), tested here. */
interface TagCondition {
  readonly key: string;
  /** NotExists: the resources having the key are the ones that cannot match. */
  readonly absent: boolean;
  readonly values?: readonly string[];
  readonly test: ValuesTest;
}

/**
 * What the store decided of the required tag filters: ARNs a record must be among (each set), and ARNs it must not
 * be, for the filters naming at most MAX_ASKED_ARNS resources; the others (`undecided`) are decided a chunk of
 * candidates at a time, on the tags read for the chunk, so no search holds more than MAX_ASKED_ARNS ARNs a filter.
 */
interface Decided {
  readonly among: readonly ReadonlySet<string>[];
  readonly notAmong: readonly ReadonlySet<string>[];
  readonly undecided: readonly TagCondition[];
  /** The ARN prefixes the store was asked for (the source's, and its other partitions'): none, every ARN. */
  readonly asked?: readonly string[];
  /** Whether the collection holds records of more partitions than were asked: it is read whole (no store filter). */
  readonly whole: boolean;
}

/**
 * The tags a search reads of its candidates, and what the store decides of them before: SearchService reads them
 * through this, and the tests' reference (reading each candidate's tags alone) is another implementation of it.
 */
export interface CandidateTags {
  /** Whether a record cannot match: a required tag filter does not hold for its ARN. */
  excludes(arn: string): Promise<boolean>;
  /** A condition on the collection's ARN field naming the only records that can match, when they are few. */
  storeFilter(): Promise<Filter<Record<string, unknown>> | undefined>;
  /**
   * For a scan of a collection whose required tag filter names more resources than one `storeFilter` holds: the
   * conditions (ARNs of a page of those resources each) to read the collection by instead of reading every record.
   */
  chunkFilters(): Promise<AsyncIterable<Filter<Record<string, unknown>>> | undefined>;
  /** A record's tags. */
  of(arn: string): Promise<Tag[]>;
  /** The records as given, their tags read `size` records at a time when asked for. */
  ahead<R>(records: Iterable<R> | AsyncIterable<R>, size: number): AsyncGenerator<R>;
}

/**
 * The tags one search reads, by a few queries instead of one a candidate. A `Tags.<key>` filter every match must
 * meet (top-level, under And) is asked of the store (`TagStore.tagged`: the resources of the source's type having
 * the key, with the filter's values for Equals and In) and tested here with the filter's own test on each value
 * found, so a candidate whose ARN is not among them (NotExists: is among them) is not matched, its tags not read
 * and its record not built: exactly the candidates the expression would reject on their tags (a resource has one
 * value a key, and every operator but NotExists holds only where the tag is). A filter naming more than
 * MAX_ASKED_ARNS resources is not held whole: a scan of a collection reads the records of its resources a page of
 * ARNs at a time (`chunkFilters`), and every candidate is decided on the tags read for its chunk. The other
 * candidates' tags are read a chunk of candidates at a time (`TagStore.listMany`). Tags are read when the search
 * reaches a chunk rather than a record: no snapshot either way.
 */
export class SearchTags implements CandidateTags {
  readonly #conditions: readonly TagCondition[];
  #decided: Promise<Decided> | undefined;
  #chunk = new Map<string, Tag[]>();
  /** The ARNs of the chunk the search is in, until one of them needs its tags: then those that can match are read at once. */
  #pending: ReadonlySet<string> = new Set();

  /**
   * `reads`: whether the search reads tags at all. `elsewhere`: the `arnPrefix`es of other partitions (regions,
   * accounts) whose records the source's collection holds (stored before the config changed), asked of the store as
   * the source's own; undefined when too many to ask (the collection is then read whole and those records decided on
   * their own tags). Asked once, by a search the store decides tag filters for. Unset: none.
   */
  constructor(
    private readonly store: TagStore, private readonly source: SearchSource, expr: SearchExpression | undefined, private readonly reads: boolean,
    private readonly elsewhere?: () => Promise<readonly string[] | undefined>,
  ) {
    this.#conditions = reads ? tagConditions(source, expr) : [];
  }

  async excludes(arn: string): Promise<boolean> {
    if (this.#conditions.length === 0) return false;
    const d = await this.#decide();
    // A record of a partition the store was not asked for (too many stored before the config changed) is decided on its own tags.
    const unasked = outside(d, arn);
    if (!unasked && decidedOut(d, arn)) return true;
    const undecided = unasked ? this.#conditions : d.undecided;
    if (undecided.length === 0) return false;
    const tags = await this.of(arn);
    return undecided.some((c) => {
      const tag = tags.find((t) => t.Key === c.key);
      return c.absent ? tag !== undefined : tag === undefined || !c.test([tag.Value]);
    });
  }

  /**
   * The condition on the collection's ARN field (`SearchSource.arnField`) the store's answers imply, when they name
   * at most MAX_ASKED_ARNS resources: only those records are read (none at all when no resource matches).
   */
  async storeFilter(): Promise<Filter<Record<string, unknown>> | undefined> {
    const field = this.source.arnField;
    if (this.#conditions.length === 0 || !this.source.collection || field === undefined) return undefined;
    const d = await this.#decide();
    if (d.whole) return undefined;
    const [first, ...rest] = [...d.among].sort((a, b) => a.size - b.size);
    if (!first) return undefined;
    const arns = [...first].filter((a) => rest.every((s) => s.has(a)) && !d.notAmong.some((s) => s.has(a)));
    return { field, op: 'in', value: arns };
  }

  /**
   * When no required filter names at most MAX_ASKED_ARNS resources but one other than NotExists names more: its
   * resources of the source's type, MAX_ASKED_ARNS at a time in ARN order (each page asked from the last ARN of the
   * one before), as `in` conditions on the collection's ARN field. A scan reading the collection by these reads the
   * records having the tag alone, whatever the collection holds besides.
   */
  async chunkFilters(): Promise<AsyncIterable<Filter<Record<string, unknown>>> | undefined> {
    const field = this.source.arnField;
    if (this.#conditions.length === 0 || !this.source.collection || field === undefined) return undefined;
    const d = await this.#decide();
    if (d.whole) return undefined;
    const driving = d.among.length === 0 ? d.undecided.find((c) => !c.absent) : undefined;
    if (!driving) return undefined;
    const { store } = this;
    return (async function* () {
      // Each partition's ARNs in turn (the source's, then those of records stored before the config changed).
      for (const range of ranges(d)) {
        let after: string | undefined;
        for (;;) {
          const page = await store.tagged(driving.key, driving.values, { ...range, limit: MAX_ASKED_ARNS, ...(after === undefined ? {} : { after }) });
          const arns = page.filter((t) => driving.test([t.Value]) && !decidedOut(d, t.ResourceArn)).map((t) => t.ResourceArn);
          if (arns.length > 0) yield { field, op: 'in', value: arns } as Filter<Record<string, unknown>>;
          if (page.length < MAX_ASKED_ARNS) break;
          after = (page[page.length - 1] as TaggedResource).ResourceArn;
        }
      }
    })();
  }

  /** A record's tags: from its chunk's read (made when the first of its records needs them), else read alone. */
  async of(arn: string): Promise<Tag[]> {
    if (!this.#chunk.has(arn) && this.#pending.has(arn)) {
      const d = this.#conditions.length > 0 ? await this.#decide() : undefined;
      const arns = [...this.#pending].filter((a) => !d || outside(d, a) || !decidedOut(d, a));
      this.#pending = new Set();
      this.#chunk = await this.store.listMany(arns);
    }
    return this.#chunk.get(arn) ?? this.store.list(arn);
  }

  /**
   * The records as given, `size` read ahead at a time: the first of a chunk's records whose tags are asked for
   * ({@link of}, {@link excludes}) reads those of every record of the chunk that can match, in one query; a chunk
   * whose records need none (the search stopped, or the store decided them) reads none. Unchanged when the search
   * reads no tags.
   */
  async *ahead<R>(records: Iterable<R> | AsyncIterable<R>, size: number): AsyncGenerator<R> {
    if (!this.reads) return yield* records;
    const it = Symbol.asyncIterator in records ? records[Symbol.asyncIterator]() : records[Symbol.iterator]();
    try {
      for (;;) {
        const chunk: R[] = [];
        let done = false;
        while (chunk.length < size) {
          const next = await it.next();
          if (next.done) {
            done = true;
            break;
          }
          chunk.push(next.value);
        }
        this.#chunk = new Map();
        this.#pending = new Set(chunk.map((r) => this.source.arnOf(r)));
        yield* chunk;
        if (done) return;
      }
    } finally {
      this.#chunk = new Map();
      this.#pending = new Set();
      await it.return?.();
    }
  }

  /**
   * Asks the store, once, for at most MAX_ASKED_ARNS resources a filter (and whether more follow), of the source's
   * type in the server's partition and in each other partition the collection holds records of: past that the
   * filter is left undecided.
   */
  #decide(): Promise<Decided> {
    return (this.#decided ??= (async () => {
      const prefix = this.source.arnPrefix;
      const others = prefix !== undefined && this.elsewhere ? await this.elsewhere() : [];
      const asked = prefix === undefined ? undefined : [prefix, ...(others ?? [])];
      const d0 = { ...(asked ? { asked } : {}), whole: others === undefined };
      const among: Set<string>[] = [];
      const notAmong: Set<string>[] = [];
      const undecided: TagCondition[] = [];
      for (const c of this.#conditions) {
        const found: TaggedResource[] = [];
        let more = false;
        for (const range of ranges(d0)) {
          const left = MAX_ASKED_ARNS - found.length;
          const page = await this.store.tagged(c.key, c.values, { ...range, limit: left });
          found.push(...page);
          const last = page[left - 1];
          if (last && (await this.store.tagged(c.key, c.values, { ...range, after: last.ResourceArn, limit: 1 })).length > 0) more = true;
          if (more || found.length >= MAX_ASKED_ARNS) {
            // Room for none of the next partitions' ARNs: undecided unless they have none.
            more ||= (await Promise.all(ranges(d0).slice(ranges(d0).indexOf(range) + 1).map((r) => this.store.tagged(c.key, c.values, { ...r, limit: 1 })))).some((x) => x.length > 0);
            break;
          }
        }
        if (more) undecided.push(c);
        else if (c.absent) notAmong.push(new Set(found.map((t) => t.ResourceArn)));
        else among.push(new Set(found.filter((t) => c.test([t.Value])).map((t) => t.ResourceArn)));
      }
      return { among, notAmong, undecided, ...d0 };
    })());
  }
}

/** The ranges the store was asked for: each asked prefix (the source's type in each partition), or every ARN. */
function ranges(d: Pick<Decided, 'asked'>): TaggedRange[] {
  return d.asked ? d.asked.map((arnPrefix) => ({ arnPrefix })) : [{}];
}

/** Whether an ARN is outside the ranges the store was asked for: its answers say nothing of it (decided on its own tags). */
function outside(d: Pick<Decided, 'asked'>, arn: string): boolean {
  return d.asked !== undefined && !d.asked.some((p) => arn.startsWith(p));
}

/** Whether the store's decided answers rule the ARN out. */
function decidedOut(d: Decided, arn: string): boolean {
  return d.among.some((s) => !s.has(arn)) || d.notAmong.some((s) => s.has(arn));
}

/** The required filters on a resource's own tags (`Tags.<key>`, a Model's `Model.Tags.<key>`) the store can be asked. */
function tagConditions(source: SearchSource, expr: SearchExpression | undefined): TagCondition[] {
  const prefix = `${source.props.tagsAt ?? 'Tags'}.`;
  return required(expr).flatMap((f, i): TagCondition[] => {
    const key = f.Name.startsWith(prefix) ? f.Name.slice(prefix.length) : '';
    if (key === '' || UNASKABLE.test(key)) return [];
    const path = `/SearchExpression/Filters/${i}`;
    const ref = propertyOf(source.props, f.Name, `${path}/Name`);
    if (!ref.readsTags || ref.kind !== 'text' || ref.isList || ref.numericText) return [];
    const op = f.Operator ?? (f.Value === undefined ? 'Exists' : 'Equals');
    const test = compileFilter(ref, f.Operator, f.Value, path);
    const asked = op === 'Equals' ? [f.Value as string] : op === 'In' ? (f.Value as string).split(',').map((v) => v.trim()) : undefined;
    const values = asked && !asked.some((v) => UNASKABLE.test(v)) ? asked : undefined;
    return [{ key, absent: op === 'NotExists', test, ...(values ? { values } : {}) }];
  });
}
