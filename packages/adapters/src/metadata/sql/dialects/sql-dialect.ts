import type { Expression, Kysely, RawBuilder } from 'kysely';

/** A key of an {@link OnlineIndex}: a column, or whether a column is null (`(col is null)`, an order index's absent-last key). */
export type OnlineIndexKey = string | { readonly isNull: string };

/** An index over columns of a table, which a migration declares and the dialect may build online. */
export interface OnlineIndex {
  readonly name: string;
  readonly table: string;
  /** Its keys, in order (online-index.ts renders them, the same SQL in a migration's transaction and online). */
  readonly columns: readonly OnlineIndexKey[];
}

/** Column types the adapter asks a dialect for; each dialect maps them to its own SQL types. */
export type SqlColumnKind = 'key' | 'text' | 'integer' | 'real' | 'json' | 'version' | 'timestamp';

/**
 * What one database brings to the SQL metadata store. Everything that differs between SQLite and
 * PostgreSQL is a field here (Kysely's adapter style), so the store itself never asks which
 * database it is talking to.
 */
export interface SqlDialect {
  /** For logs and error messages only; never branch on it. */
  readonly label: string;
  // Tables are declared at run time from CollectionSpecs, so the builder cannot be typed per table.
  readonly db: Kysely<any>;
  /** The schema holding the tables, where the database has schemas (PostgreSQL); undefined for SQLite. */
  readonly schema?: string;
  readonly capabilities: {
    /** `FOR UPDATE SKIP LOCKED` is available (several servers can lease from one database). */
    readonly skipLocked: boolean;
    /** The data outlives the process. */
    readonly durable: boolean;
    /**
     * A failed statement poisons the enclosing transaction (PostgreSQL's "current transaction is
     * aborted"), so a write whose error the caller may catch must run under a savepoint.
     */
    readonly statementErrorAbortsTransaction: boolean;
    /**
     * Transactions run side by side (PostgreSQL, READ COMMITTED) rather than one at a time (SQLite),
     * so a record read inside one is read `FOR UPDATE`: a read-modify-write then waits for the other
     * writer instead of failing its version check, as it never does where transactions take turns.
     */
    readonly concurrentTransactions: boolean;
  };
  /** The SQL type for a column kind, with the collation that makes text order bytewise. */
  columnType(kind: SqlColumnKind): RawBuilder<unknown>;
  /** Case folding for `contains`, matching JavaScript's `toLowerCase()` on the letters users type. */
  caseFold(expr: Expression<unknown>): RawBuilder<string>;
  /**
   * `e` (a boolean expression) is false, spelt so the planner matches it to an index on `e`: the
   * `(ix_<field> is null)` column of an order index. SQLite matches `e = 0`; PostgreSQL folds that
   * into `ix_<field> is not null` (no longer the indexed expression) but matches `e is false`.
   */
  isFalse(e: Expression<unknown>): RawBuilder<unknown>;
  /**
   * The JSON text of the value at `path` (member names, any text) inside the JSON text `doc`, or NULL where a
   * member is absent: what `Collection.values` reads, so the record itself is neither returned nor parsed here.
   */
  jsonAt(doc: Expression<unknown>, path: readonly string[]): RawBuilder<string | null>;
  /**
   * Whether `e` is the database refusing `jsonAt` on a record's valid JSON text (PostgreSQL's json type refuses
   * the `\u0000` and lone-surrogate escapes JSON.stringify writes); unset where it reads every JSON text.
   * `Collection.values` then reads that statement's records whole and finds their values itself.
   */
  isJsonRefused?(e: unknown): boolean;
  /** Whether `e` is a deadlock or serialization failure: the transaction was rolled back and may simply run again. */
  isTransactionRetryable(e: unknown): boolean;
  /**
   * Holds `key` for the rest of the transaction `tx`: another transaction asking for the same key waits
   * until this one ends. Where transactions run side by side (PostgreSQL: a transaction-scoped advisory
   * lock on a hash of the schema and key); nothing where they take turns (SQLite, one connection).
   */
  lockUntilEnd(tx: Kysely<any>, key: string): Promise<void>;
  /** Whether `e` is a unique or primary-key violation. */
  isUniqueViolation(e: unknown): boolean;
  /**
   * Whether `e` is a read refused because its table does not exist (PostgreSQL 42P01, SQLite's "no such table"):
   * a migration table not made yet. Any other error (the store unreachable, busy) is not: it must surface.
   */
  isMissingTable(e: unknown): boolean;
  /**
   * Lets the rest of the transaction `tx` run statements as long as they take: a migration that
   * rebuilds or indexes a whole table runs one statement proportional to it, which the per-request
   * statement timeout (PostgreSQL's `statement_timeout`) would cancel, failing every start the same
   * way. PostgreSQL lifts it for this transaction only (`SET LOCAL`); SQLite has no such timeout.
   */
  unboundedStatements(tx: Kysely<any>): Promise<void>;
  /**
   * Where the database can build an index without making writes to its table wait (PostgreSQL's CREATE INDEX
   * CONCURRENTLY, which cannot run in a transaction, so not in a migration's): makes each index exist and be
   * valid, building a missing one concurrently and dropping and building again an INVALID one an interrupted
   * build left (a crash, a cancelled statement), one server at a time: a start finding another server building
   * goes on without waiting for it (the indexes only speed up reads). Cheap when all are there (one catalog read). Undefined where an index is built in its migration's transaction
   * (SQLite, where writes take turns anyway). A migration leaves an index to it only for a table with rows
   * (`onlineIndexesMigration`); the store calls it after migrating, at every start.
   */
  readonly buildIndexesOnline?: (indexes: readonly OnlineIndex[]) => Promise<void>;
  /** Run before migrations (e.g. create the PostgreSQL schema). */
  prepare(): Promise<void>;
  /** Releases connections. */
  destroy(): Promise<void>;
}
