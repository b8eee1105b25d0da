import {
  ConflictError, InternalError, NotFoundError, ResourceInUseError, ValidationError, valueAtPath,
  type Collection, type CollectionSpec, type Filter, type LineageStore, type ListQuery,
  type MetadataStore, type Page, type RecordValues, type TagStore, type ValuesQuery, type Versioned,
} from '@loam/core';
import { QueryRules, compareText, fits, typeName, type Doc } from './memory-collection-query.js';
import { MemoryLineage, MemoryTags, State, type Rec, type Runner } from './memory-metadata-state.js';

/** Everything a root store and its transactions share. */
interface Shared {
  readonly specs: Map<string, CollectionSpec<unknown>>;
  state: State;
  /** One operation or transaction at a time, as on SQLite's single connection. */
  queue: Promise<unknown>;
  closed: boolean;
}

/** Options for the in-memory fake. */
export interface MemoryMetadataStoreOptions {
  readonly collections: readonly CollectionSpec<any>[];
}

/**
 * An in-memory MetadataStore that passes the same conformance suite as the SQL adapter: values are
 * stored as JSON (callers can't reach stored state), indexed fields are typed and checked, and
 * transactions commit all or nothing. Not durable.
 */
export function createMemoryMetadataStore(options: MemoryMetadataStoreOptions): MetadataStore {
  const specs = new Map<string, CollectionSpec<unknown>>();
  for (const s of options.collections as CollectionSpec<unknown>[]) {
    if (specs.has(s.name)) throw new InternalError(`Collection '${s.name}' is registered twice.`);
    specs.set(s.name, s);
  }
  const rows = new Map([...specs.keys()].map((n) => [n, new Map<string, Rec>()]));
  return new MemoryMetadataStore({ specs, state: new State(rows, new Map(), new Map()), queue: Promise.resolve(), closed: false }, undefined);
}

/** A transaction's own view: its forked state, and whether it has finished. */
interface TxScope {
  readonly state: State;
  done: boolean;
}

class MemoryMetadataStore implements MetadataStore {
  readonly capabilities = { skipLocked: false, durable: false };
  readonly tags: TagStore;
  readonly lineage: LineageStore;

  constructor(
    private readonly shared: Shared,
    private readonly tx: TxScope | undefined,
  ) {
    this.tags = new MemoryTags((fn) => this.run(fn));
    this.lineage = new MemoryLineage((fn) => this.run(fn));
  }

  /** Runs `fn` on the current state: queued behind other work at the root, directly inside a transaction. */
  run<R>(fn: (s: State) => R): Promise<R> {
    if (this.shared.closed) return Promise.reject(new InternalError('The metadata store is closed.'));
    if (this.tx !== undefined) {
      if (this.tx.done) return Promise.reject(new InternalError('The transaction has already finished.'));
      const state = this.tx.state;
      return Promise.resolve().then(() => fn(state));
    }
    return this.#enqueue(async () => fn(this.shared.state));
  }

  #enqueue<R>(work: () => Promise<R>): Promise<R> {
    const result = this.shared.queue.then(work, work);
    this.shared.queue = result.catch(() => undefined);
    return result;
  }

  collection<T>(spec: CollectionSpec<T>): Collection<T> {
    const known = this.shared.specs.get(spec.name);
    if (known === undefined || known.key !== spec.key) {
      throw new InternalError(`Collection '${spec.name}' was not registered when the metadata store was opened.`);
    }
    return new MemoryCollection<T>(known as CollectionSpec<T>, (fn) => this.run(fn));
  }

  transaction<R>(fn: (tx: MetadataStore) => Promise<R>): Promise<R> {
    if (this.tx !== undefined) return fn(this);
    if (this.shared.closed) return Promise.reject(new InternalError('The metadata store is closed.'));
    return this.#enqueue(async () => {
      const scope: TxScope = { state: this.shared.state.fork(), done: false };
      try {
        const r = await fn(new MemoryMetadataStore(this.shared, scope));
        this.shared.state = scope.state;
        return r;
      } finally {
        scope.done = true;
      }
    });
  }

  async lockUntilEnd(_key: string): Promise<void> {
    // Transactions take turns here: nothing to wait for.
    if (this.tx === undefined) throw new InternalError('lockUntilEnd was called outside a transaction.');
  }

  async ping(options: { signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    await this.run(() => undefined);
  }

  async close(): Promise<void> {
    this.shared.closed = true;
  }
}

class MemoryCollection<T> implements Collection<T> {
  readonly #rules: QueryRules;
  readonly #kind: string;

  constructor(readonly spec: CollectionSpec<T>, private readonly run: Runner) {
    this.#rules = new QueryRules(spec as CollectionSpec<unknown>);
    this.#kind = this.#rules.kind;
  }

  #encode(value: T): { json: string; doc: Record<string, unknown>; key: string } {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(`A ${this.#kind} must be a JSON object.`);
    const json = JSON.stringify(value);
    const doc = JSON.parse(json) as Record<string, unknown>;
    const key = doc[this.spec.key];
    if (typeof key !== 'string' || key === '' || key.includes('\u0000')) {
      throw new ValidationError(`${this.#kind} key field '${this.spec.key}' must be a non-empty string.`, [{ path: `/${this.spec.key}`, message: 'expected a non-empty string' }]);
    }
    for (const [f, t] of this.#rules.fields) {
      const v = doc[f] ?? null;
      if (v !== null && !fits(t, v)) throw new ValidationError(`${this.#kind} field '${f}' must be ${typeName(t)}; got ${JSON.stringify(v)}.`, [{ path: `/${f}`, message: `expected ${typeName(t)}` }]);
    }
    return { json, doc, key };
  }

  #checkUnique(table: Map<string, Rec>, key: string, doc: Record<string, unknown>): void {
    for (const f of this.spec.unique ?? []) {
      const v = doc[f] ?? null;
      if (f === this.spec.key || v === null) continue;
      for (const [k, r] of table) {
        if (k !== key && (JSON.parse(r.json) as Record<string, unknown>)[f] === v) throw new ResourceInUseError(`${this.#kind} with ${f} '${String(v)}' already exists.`);
      }
    }
  }

  insert(value: T): Promise<Versioned<T>> {
    return this.run((s) => {
      const { json, doc, key } = this.#encode(value);
      const table = s.table(this.spec.name, true);
      if (table.has(key)) throw new ResourceInUseError(`${this.#kind} '${key}' already exists.`);
      this.#checkUnique(table, key, doc);
      table.set(key, { json, version: 1 });
      return { value: JSON.parse(json) as T, version: 1 };
    });
  }

  get(key: string): Promise<Versioned<T> | undefined> {
    return this.run((s) => {
      const r = s.table(this.spec.name, false).get(key);
      return r === undefined ? undefined : { value: JSON.parse(r.json) as T, version: r.version };
    });
  }

  async findOne(field: keyof T & string, value: string | number): Promise<Versioned<T> | undefined> {
    const type = this.#rules.typeOf(field, 'looked up by');
    if (!fits(type, value)) throw new ValidationError(`${this.#kind} field '${field}' holds ${typeName(type)}; got ${JSON.stringify(value)}.`, [{ path: `/${field}`, message: `expected ${typeName(type)}` }]);
    const page = await this.list({ filters: [{ field, op: 'eq', value }], maxResults: 1 });
    return page.items[0];
  }

  update(key: string, expectedVersion: number, value: T): Promise<Versioned<T>> {
    return this.run((s) => {
      checkVersion(expectedVersion);
      const { json, doc, key: newKey } = this.#encode(value);
      if (newKey !== key) throw new ValidationError(`${this.#kind} '${key}' cannot change its key to '${newKey}'.`, [{ path: `/${this.spec.key}`, message: 'the key cannot change' }]);
      const table = s.table(this.spec.name, true);
      const r = table.get(key);
      if (r === undefined) throw new NotFoundError(this.#kind, key);
      if (r.version !== expectedVersion) throw new ConflictError(`${this.#kind} '${key}' is at version ${r.version}, not ${expectedVersion}; re-read it and retry.`);
      this.#checkUnique(table, key, doc);
      table.set(key, { json, version: r.version + 1 });
      return { value: JSON.parse(json) as T, version: r.version + 1 };
    });
  }

  delete(key: string, expectedVersion?: number): Promise<boolean> {
    return this.run((s) => {
      if (expectedVersion !== undefined) checkVersion(expectedVersion);
      const r = s.table(this.spec.name, false).get(key);
      if (r === undefined) return false;
      if (expectedVersion !== undefined && r.version !== expectedVersion) {
        throw new ConflictError(`${this.#kind} '${key}' is at version ${r.version}, not ${expectedVersion}; re-read it and retry.`);
      }
      return s.table(this.spec.name, true).delete(key);
    });
  }

  list(query: ListQuery<T> = {}): Promise<Page<Versioned<T>>> {
    return this.run((s) => {
      const table = s.table(this.spec.name, false);
      const page = this.#rules.page(docsOf(table), query as ListQuery<unknown>);
      const items = page.items.map((d) => ({ value: d.doc as T, version: table.get(d.key)!.version }));
      return page.nextToken === undefined ? { items } : { items, nextToken: page.nextToken };
    });
  }

  values(query: ValuesQuery<T>): Promise<RecordValues[]> {
    return this.run((s) => {
      if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > 1000) {
        throw new ValidationError(`A values read takes a limit of 1-1000; got ${String(query.limit)}.`, [{ path: '/limit', message: 'expected 1-1000' }]);
      }
      const keep = this.#rules.predicate(query.filters as readonly Filter<unknown>[] | undefined);
      const after = query.after;
      const docs = [...docsOf(s.table(this.spec.name, false))].filter((d) => (after === undefined || compareText(d.key, after) > 0) && keep(d));
      docs.sort((a, b) => compareText(a.key, b.key));
      return docs.slice(0, query.limit).map((d) => ({ key: d.key, values: query.paths.map((p) => valueAtPath(d.doc, p)) }));
    });
  }

  count(filters?: readonly Filter<T>[]): Promise<number> {
    return this.run((s) => {
      const keep = this.#rules.predicate(filters as readonly Filter<unknown>[] | undefined);
      return [...docsOf(s.table(this.spec.name, false))].filter(keep).length;
    });
  }
}


function* docsOf(table: Map<string, Rec>): Generator<Doc> {
  for (const [key, r] of table) yield { key, doc: JSON.parse(r.json) as Record<string, unknown> };
}

function checkVersion(v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new ValidationError(`Expected version must be a positive integer; got ${String(v)}.`, [{ path: '/version', message: 'expected a positive integer' }]);
}

