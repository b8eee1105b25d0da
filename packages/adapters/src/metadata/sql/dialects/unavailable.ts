import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';
import { ServiceUnavailableError } from '@loam/core';

/**
 * Names why a driver error means "the database cannot serve now, retry later" (a full disk, a
 * refused or dropped connection, a server shutting down), or returns undefined for any other error.
 */
export type UnavailableCause = (e: unknown) => string | undefined;

/** How a database reports trouble, for `reportingUnavailable`. */
export interface UnavailableOptions {
  readonly cause: UnavailableCause;
  /**
   * Whether a failed ROLLBACK only says the transaction already ended: SQLite rolls a transaction back
   * by itself on SQLITE_FULL, and Kysely would otherwise throw the ROLLBACK's error instead of the
   * statement's that caused it.
   */
  readonly alreadyRolledBack?: (e: unknown) => boolean;
}

/**
 * Wraps a Kysely dialect so every driver call (queries, streams, connecting, BEGIN/COMMIT, savepoints)
 * turns the errors `cause` recognises into ServiceUnavailableError, and passes every
 * other error through unchanged. One place for every query of the metadata and experiment stores.
 */
export function reportingUnavailable(dialect: Dialect, options: UnavailableOptions): Dialect {
  const { cause } = options;
  // The message reaches clients: it names the database kind and the cause, never a path or a URL.
  const translate = (e: unknown): unknown => {
    const why = cause(e);
    return why === undefined ? e : new ServiceUnavailableError(`The metadata store is unavailable: ${why}. Retry later.`);
  };
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => new TranslatingDriver(dialect.createDriver(), translate, options.alreadyRolledBack ?? (() => false)),
  };
}

class TranslatingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly translate: (e: unknown) => unknown,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (e) {
      throw this.translate(e);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (e) {
      throw this.translate(e);
    }
  }
}

// The inner driver gets its own connection objects back: some keep private state on them.
const innerOf = (c: DatabaseConnection) => (c instanceof TranslatingConnection ? c.inner : c);

class TranslatingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly translate: (e: unknown) => unknown,
    private readonly alreadyRolledBack: (e: unknown) => boolean,
  ) {}

  async #call<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (e) {
      throw this.translate(e);
    }
  }

  init(): Promise<void> {
    return this.#call(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new TranslatingConnection(await this.#call(() => this.inner.acquireConnection()), this.translate);
  }

  beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#call(() => this.inner.beginTransaction(innerOf(c), settings));
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.#call(() => this.inner.commitTransaction(innerOf(c)));
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    try {
      await this.inner.rollbackTransaction(innerOf(c));
    } catch (e) {
      if (!this.alreadyRolledBack(e)) throw this.translate(e);
    }
  }

  savepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.#call(() => this.#savepoints().savepoint!(innerOf(c), name, compile));
  }

  rollbackToSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.#call(() => this.#savepoints().rollbackToSavepoint!(innerOf(c), name, compile));
  }

  releaseSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.#call(() => this.#savepoints().releaseSavepoint!(innerOf(c), name, compile));
  }

  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(c));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  #savepoints(): Driver {
    if (!this.inner.savepoint || !this.inner.rollbackToSavepoint || !this.inner.releaseSavepoint) {
      throw new Error('This database driver does not support savepoints.');
    }
    return this.inner;
  }
}
