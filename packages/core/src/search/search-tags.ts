import type { Filter, Tag, TagStore } from '../ports/metadata-store.js';
import { compileFilter, type ValuesTest } from './filter-operators.js';
import { propertyOf, type SearchExpression } from './search-expression.js';
import { required } from './search-pushdown.js';
import type { SearchSource } from './search-source.js';

/** The most ARNs a search asks the collection for (an `in` filter): past that, it reads the records and skips the others. */
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

/** What the store decided of the required tag filters: ARNs a record must be among (each set), and ARNs it must not be. */
interface Decided {
  readonly among: readonly ReadonlySet<string>[];
  readonly notAmong: readonly ReadonlySet<string>[];
}

/**
 * The tags one search reads, by a few queries instead of one a candidate. A `Tags.<key>` filter every match must
 * meet (top-level, under And) is asked of the store once (`TagStore.tagged`: the resources having the key, with
 * the filter's values for Equals and In) and tested here with the filter's own test on each value found, so a
 * candidate whose ARN is not among them (NotExists: is among them) is not matched, its tags not read and its
 * record not built: exactly the candidates the expression would reject on their tags (a resource has one value a
 * key, and every operator but NotExists holds only where the tag is). The other candidates' tags are read a chunk
 * of candidates at a time (`TagStore.listMany`). Tags are read when the search reaches a chunk rather than a
 * record: no snapshot either way.
 */
export class SearchTags {
  readonly #conditions: readonly TagCondition[];
  #decided: Promise<Decided> | undefined;
  #chunk = new Map<string, Tag[]>();
  /** The ARNs of the chunk the search is in, until one of them needs its tags: then those that can match are read at once. */
  #pending: ReadonlySet<string> = new Set();

  /**
   * `reads`: whether the search reads tags at all. `oneByOne`: read each candidate's tags alone and ask the store
   * nothing else (the reference the tests compare the targeted reads with).
   */
  constructor(private readonly store: TagStore, private readonly source: SearchSource, expr: SearchExpression | undefined, private readonly reads: boolean, private readonly oneByOne = false) {
    this.#conditions = reads && !oneByOne ? tagConditions(source, expr) : [];
  }

  /** Whether a record cannot match: a required tag filter the store decided does not hold for its ARN. */
  async excludes(arn: string): Promise<boolean> {
    if (this.#conditions.length === 0) return false;
    const d = await (this.#decided ??= this.#decide());
    return d.among.some((s) => !s.has(arn)) || d.notAmong.some((s) => s.has(arn));
  }

  /**
   * The condition on the collection's ARN field (`SearchSource.arnField`) the store's answers imply, when they name
   * at most MAX_ASKED_ARNS resources: only those records are read (none at all when no resource matches).
   */
  async storeFilter(): Promise<Filter<Record<string, unknown>> | undefined> {
    const field = this.source.arnField;
    if (this.#conditions.length === 0 || !this.source.collection || field === undefined) return undefined;
    const d = await (this.#decided ??= this.#decide());
    const [first, ...rest] = [...d.among].sort((a, b) => a.size - b.size);
    if (!first || first.size > MAX_ASKED_ARNS) return undefined;
    const arns = [...first].filter((a) => rest.every((s) => s.has(a)) && !d.notAmong.some((s) => s.has(a)));
    return { field, op: 'in', value: arns };
  }

  /** A record's tags: from its chunk's read (made when the first of its records needs them), else read alone. */
  async of(arn: string): Promise<Tag[]> {
    if (!this.#chunk.has(arn) && this.#pending.has(arn)) {
      const arns: string[] = [];
      for (const a of this.#pending) if (!(await this.excludes(a))) arns.push(a);
      this.#pending = new Set();
      this.#chunk = await this.store.listMany(arns);
    }
    return this.#chunk.get(arn) ?? this.store.list(arn);
  }

  /**
   * The records as given, `size` read ahead at a time: the first of a chunk's records whose tags are asked for
   * ({@link of}) reads those of every record of the chunk that can match, in one query; a chunk whose records
   * need none (the search stopped, or the store decided them) reads none. Unchanged when the search reads no tags.
   */
  async *ahead<R>(records: Iterable<R> | AsyncIterable<R>, size: number): AsyncGenerator<R> {
    if (!this.reads || this.oneByOne) return yield* records;
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

  async #decide(): Promise<Decided> {
    const among: Set<string>[] = [];
    const notAmong: Set<string>[] = [];
    for (const c of this.#conditions) {
      const found = await this.store.tagged(c.key, c.values);
      if (c.absent) notAmong.push(new Set(found.map((t) => t.ResourceArn)));
      else among.push(new Set(found.filter((t) => c.test([t.Value])).map((t) => t.ResourceArn)));
    }
    return { among, notAmong };
  }
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
