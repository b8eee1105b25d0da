import type { Page } from '../kernel/pagination.js';

/**
 * How a collection is laid out: the table, its key, and the fields copied into typed columns so they
 * can be filtered and sorted. The whole record is kept as JSON beside them. Each capability declares
 * its collections in its own folder; the SQL adapter creates one table per collection through its
 * migrations, so a new capability is a new spec, never a change to the adapter.
 */
export interface CollectionSpec<T> {
  /** Table name, snake_case, unique: `users`, `training_jobs`. */
  readonly name: string;
  /** The field holding the unique key (a resource name or id). */
  readonly key: keyof T & string;
  /** Fields copied into columns for filtering and sorting, with their column type. */
  readonly indexes: Readonly<Partial<Record<keyof T & string, 'text' | 'integer' | 'real'>>>;
  /** Unique indexes beyond the key (e.g. `arn`). */
  readonly unique?: readonly (keyof T & string)[];
  /**
   * Listings to read in index order instead of sorting every matching record: sorted by the indexed
   * field `sortBy` (either order, absent values last), optionally after `eq` filters on the indexed
   * field(s) `within`. Without one, a sorted page of a large collection sorts all of it, on every page.
   * A range filter on `sortBy` then bounds the part read (a time window of one series).
   */
  readonly orderIndexes?: readonly { readonly sortBy: keyof T & string; readonly within?: (keyof T & string) | readonly (keyof T & string)[] }[];
}

/** A stored record: the document plus its optimistic-concurrency version (1 on insert). */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

export type FilterOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains' | 'prefix' | 'in';

/**
 * A condition on an indexed field. `contains` is case-insensitive, as SageMaker's NameContains is;
 * `prefix` is case-sensitive. A record without the field matches no condition on it (`ne` included).
 */
export interface Filter<T> {
  readonly field: keyof T & string;
  readonly op: FilterOp;
  readonly value: string | number | readonly (string | number)[];
}

export interface ListQuery<T> {
  readonly filters?: readonly Filter<T>[];
  /**
   * An indexed field (or the key). Ties are broken by the key, so pages are stable. Default: the key.
   * Text sorts by code point; records without the field come last (Descending is the exact reverse).
   */
  readonly sortBy?: keyof T & string;
  readonly sortOrder?: 'Ascending' | 'Descending';
  /** 1–1000, default 100; the service clamps per operation. */
  readonly maxResults?: number;
  /** Opaque, from a previous page with the same query. */
  readonly nextToken?: string;
}

/** What {@link Collection.values} reads: values inside the records, not the records. */
export interface ValuesQuery<T> {
  readonly filters?: readonly Filter<T>[];
  /** Where each value is in a record: member names from its root (`['request', 'HyperParameters', 'eta']`), any text;
   * where a path steps into an array the answer is not defined (stores differ). */
  readonly paths: readonly (readonly string[])[];
  /** Only records whose key comes after this one (keys in code-point order). */
  readonly after?: string;
  /** At most this many records, 1–1000. */
  readonly limit: number;
}

/** A record's key and the values at a {@link ValuesQuery}'s paths, in its order: undefined where the record has none. */
export interface RecordValues {
  readonly key: string;
  readonly values: readonly unknown[];
}

/**
 * One collection of records. Every write is atomic and durable once the promise resolves.
 *
 * Errors: `ResourceInUse` (insert of an existing key or unique value), `ConflictException` (update or
 * delete with a stale version), `ValidationException` (a filter or sort on a field that is not indexed,
 * a malformed NextToken).
 */
export interface Collection<T> {
  readonly spec: CollectionSpec<T>;
  /** Stores a new record at version 1. Throws ResourceInUse when the key or a unique field exists. */
  insert(value: T): Promise<Versioned<T>>;
  /** The record with this key, or undefined. */
  get(key: string): Promise<Versioned<T> | undefined>;
  /** The first record, in key order, whose unique or indexed `field` equals `value`. */
  findOne(field: keyof T & string, value: string | number): Promise<Versioned<T> | undefined>;
  /**
   * Replaces the record if its stored version is `expectedVersion`; returns it at version + 1.
   * Throws ResourceNotFound when absent, ConflictException when the version moved on.
   */
  update(key: string, expectedVersion: number, value: T): Promise<Versioned<T>>;
  /** Deletes the record; with `expectedVersion`, only at that version (ConflictException otherwise). Returns whether it existed. */
  delete(key: string, expectedVersion?: number): Promise<boolean>;
  /** One page, filtered and sorted on indexed fields. */
  list(query?: ListQuery<T>): Promise<Page<Versioned<T>>>;
  /**
   * The values at `paths` of the records matching `filters`, in key order from after `after`: what a scan that
   * needs a few members of every record reads without reading (or parsing) whole records. Each value is as
   * the record holds it (text, number, boolean, object, array, null), undefined where a path member is absent.
   * @throws ValidationException for a filter on a field that is not indexed, or a limit outside 1–1000.
   */
  values(query: ValuesQuery<T>): Promise<RecordValues[]>;
  /** How many records match. */
  count(filters?: readonly Filter<T>[]): Promise<number>;
}

/** A tag on any resource, keyed by the resource's ARN. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/**
 * Tags live in one shared table for every kind of resource.
 *
 * A list inside a transaction holds the resource's tags until the transaction ends: another transaction's
 * list of them, and every write of them (in a transaction or not), waits until then. So a count read there
 * stays true through the transaction's own writes, and a limit checked on it holds when transactions run
 * side by side (PostgreSQL, READ COMMITTED), as it does where they take turns (SQLite, the fake).
 */
export interface TagStore {
  /** Adds or overwrites the given keys. Waits while a transaction that listed the resource's tags is open. */
  put(resourceArn: string, tags: readonly Tag[]): Promise<void>;
  /** Tags of a resource, sorted by key. Inside a transaction, holds them until it ends (see {@link TagStore}). */
  list(resourceArn: string): Promise<Tag[]>;
  /** Removes these keys (absent keys are ignored). */
  remove(resourceArn: string, keys: readonly string[]): Promise<void>;
  /** Removes every tag of a resource (when the resource is deleted). */
  clear(resourceArn: string): Promise<void>;
  /**
   * Every resource having the tag `key`, with the tag's value, in one read whatever their number: with `values`,
   * only those whose value is one of them (compared exactly, as stored). In ARN order (code point). What Search
   * asks for a `Tags.<key>` filter instead of reading every candidate's tags. Holds nothing, even inside a
   * transaction (unlike {@link list}). `key` and `values` are tag text as stored (no U+0000 or lone surrogate,
   * which tag rules refuse: PostgreSQL cannot take them as parameters). `range` narrows the read to one resource
   * type's ARNs (a prefix, read as a range of the index, so a key on 100,000 endpoints costs a training-job search
   * nothing) and pages it in ARN order (`after`, `limit`), so a caller holds a page of a key's resources at a time.
   * @throws ValidationException for a `limit` outside 1–1000.
   */
  tagged(key: string, values?: readonly string[], range?: TaggedRange): Promise<TaggedResource[]>;
  /**
   * The tags of each of these resources, each list sorted by key as {@link list} gives it (a resource without
   * tags: an empty list), in one read per 500 resources instead of one per resource. Holds nothing, even
   * inside a transaction: use {@link list} where a count must stay true.
   */
  listMany(resourceArns: readonly string[]): Promise<Map<string, Tag[]>>;
}

/** Which of a key's resources {@link TagStore.tagged} reads: by ARN, in ARN order (code point). */
export interface TaggedRange {
  /**
   * Only ARNs starting with this text (compared exactly: `%` and `_` are themselves): one resource type's
   * (`arn:loam:sagemaker:<region>:<account>:training-job/`).
   */
  readonly arnPrefix?: string;
  /** Only ARNs after this one: the next page of a read in ARN order. */
  readonly after?: string;
  /** At most this many (1–1000), the first in ARN order. */
  readonly limit?: number;
}

/** A resource having a tag, as {@link TagStore.tagged} finds it: its ARN and the tag's value. */
export interface TaggedResource {
  readonly ResourceArn: string;
  readonly Value: string;
}

/** A directed lineage edge: `source` contributed to / produced / is associated with `destination`. */
export interface LineageEdge {
  readonly sourceArn: string;
  readonly destinationArn: string;
  /** SageMaker's AssociationType: ContributedTo | AssociatedWith | DerivedFrom | Produced | SameAs. */
  readonly associationType: string;
  readonly createdAt: number;
  /**
   * Recorded by a Loam older than retired lineage vertices (2026-11-29), or by such a server still running
   * on the database: the only edges the one-time upgrade splits between a re-created resource's lives by
   * their times (LineageSync). Absent on every edge recorded since; `add` takes it to stand for such an edge.
   */
  readonly legacy?: true;
}

export interface LineageStore {
  /** Records an edge; adding the same (source, destination) again keeps the first. */
  add(edge: LineageEdge): Promise<void>;
  /** Edges leaving `arn` (downstream) or entering it (upstream). */
  edges(arn: string, direction: 'downstream' | 'upstream'): Promise<LineageEdge[]>;
  remove(sourceArn: string, destinationArn: string): Promise<void>;
  /**
   * Moves the edges with `arn` at one end to the vertex `to`: each is replaced by the same edge (type, time)
   * with `to` in place of `arn`; where that edge already exists, the existing one is kept (as {@link add}
   * does). With `only`, just those of its edges (each named by its two ends). A few statements whatever
   * the number of edges (a lineage vertex's retirement: lineage-lives); call it in a transaction.
   */
  moveEnd(arn: string, to: string, only?: readonly LineageEdgeEnds[]): Promise<void>;
  /**
   * The edges matching the query in `sortBy` order (default `createdAt`, ties by source then destination
   * ARN; `sourceArn`, ties by destination; `destinationArn`, ties by source; ARNs in code-point order),
   * ascending unless `order` says otherwise (the ties reversed too); from just after `after`, at most
   * `limit`. For ListAssociations with neither end given, which reads it page by page.
   */
  list(query?: LineageEdgeQuery): Promise<LineageEdge[]>;
}

/** An edge named by its ends (source and destination are its key). */
export type LineageEdgeEnds = Pick<LineageEdge, 'sourceArn' | 'destinationArn'>;

/** What {@link LineageStore.list} keeps: each condition given must hold; times are inclusive epoch milliseconds. */
export interface LineageEdgeQuery {
  readonly associationType?: string;
  readonly createdAfter?: number;
  readonly createdBefore?: number;
  readonly sortBy?: 'createdAt' | 'sourceArn' | 'destinationArn';
  readonly order?: 'Ascending' | 'Descending';
  /** Keyset paging: only the edges after this one in the listing's order. */
  readonly after?: { readonly createdAt: number; readonly sourceArn: string; readonly destinationArn: string };
  /** At most this many edges (a positive integer); all of them without it. */
  readonly limit?: number;
}

/**
 * Where Loam keeps its metadata: every capability's records, tags and lineage. The default adapter is
 * SQLite (WAL, synchronous=FULL, one writer); PostgreSQL is chosen by URL; an in-memory fake passes the
 * same conformance suite (`@loam/testkit`).
 */
export interface MetadataStore {
  /** What this backend can do, as flags rather than dialect checks. */
  readonly capabilities: {
    /** `FOR UPDATE SKIP LOCKED`, so several servers can lease work from one database. */
    readonly skipLocked: boolean;
    /** Survives a restart of the process. */
    readonly durable: boolean;
  };
  /**
   * The collection for a spec. The spec must have been registered when the store was opened (its
   * migration has run); otherwise throws InternalFailure naming it.
   */
  collection<T>(spec: CollectionSpec<T>): Collection<T>;
  readonly tags: TagStore;
  readonly lineage: LineageStore;
  /**
   * Runs `fn` in one transaction: every write through the given store commits together or not at all.
   * On SQLite transactions are serialised; keep them short and do no I/O but the store's inside.
   */
  transaction<R>(fn: (tx: MetadataStore) => Promise<R>): Promise<R>;
  /**
   * Inside a transaction, holds `key` until it ends: another transaction asking for the same key waits until
   * then, so a count read after it stays true through this transaction's writes (a server-wide limit holds
   * when transactions run side by side). Nothing to wait for where transactions take turns (SQLite).
   * @throws InternalFailure outside a transaction.
   */
  lockUntilEnd(key: string): Promise<void>;
  /** Answers when the backend answers; throws otherwise. For `/healthz`. */
  ping(options?: { signal?: AbortSignal }): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/**
 * The value at `path` (member names) in `doc`, as {@link Collection.values} answers it: undefined where a member
 * is absent or a step is not an object. For adapters that read values out of whole records.
 */
export function valueAtPath(doc: unknown, path: readonly string[]): unknown {
  let v = doc;
  for (const m of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, m)) return undefined;
    v = (v as Record<string, unknown>)[m];
  }
  return v;
}
