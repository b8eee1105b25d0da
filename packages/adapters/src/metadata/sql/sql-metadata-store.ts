import { sql } from 'kysely';
import { InternalError, type Collection, type CollectionSpec, type LineageStore, type MetadataStore, type TagStore } from '@loam/core';
import { SqlCollection } from './sql-collection.js';
import { SqlLineageStore } from './sql-lineage.js';
import { SqlTagStore } from './sql-tags.js';
import { SqlSession } from './session.js';

/** Transactions that lock records as they read them can deadlock; the database picks one to roll back, which runs again. */
const TRANSACTION_ATTEMPTS = 10;

async function retrying<R>(run: () => Promise<R>, retryable: (e: unknown) => boolean): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= TRANSACTION_ATTEMPTS || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/**
 * The MetadataStore over one SQL session: the root store runs on the pool (or SQLite's single
 * connection); `transaction` hands `fn` a store of the same class bound to the open transaction.
 */
export class SqlMetadataStore implements MetadataStore {
  readonly capabilities: MetadataStore['capabilities'];
  readonly tags: TagStore;
  readonly lineage: LineageStore;
  readonly #collections = new Map<string, SqlCollection<unknown>>();

  constructor(private readonly session: SqlSession) {
    const { skipLocked, durable } = session.dialect.capabilities;
    this.capabilities = { skipLocked, durable };
    this.tags = new SqlTagStore(session);
    this.lineage = new SqlLineageStore(session);
  }

  collection<T>(spec: CollectionSpec<T>): Collection<T> {
    const layout = this.session.layouts.get(spec.name);
    if (layout === undefined || layout.spec.key !== spec.key) {
      throw new InternalError(`Collection '${spec.name}' was not registered when the metadata store was opened.`);
    }
    let c = this.#collections.get(spec.name);
    if (c === undefined) {
      c = new SqlCollection<unknown>(this.session, layout);
      this.#collections.set(spec.name, c);
    }
    return c as unknown as Collection<T>;
  }

  transaction<R>(fn: (tx: MetadataStore) => Promise<R>): Promise<R> {
    // A nested call joins the open transaction: the outer one decides commit or rollback.
    if (this.session.inTransaction) return fn(this);
    const { dialect, layouts } = this.session;
    const run = () => this.session.db.transaction().execute((trx) => fn(new SqlMetadataStore(new SqlSession(dialect, trx, layouts, true))));
    return retrying(run, (e) => dialect.isTransactionRetryable(e));
  }

  async lockUntilEnd(key: string): Promise<void> {
    if (!this.session.inTransaction) throw new InternalError('lockUntilEnd was called outside a transaction.');
    // Apart from the tag store's keys (`tags:<arn>`) and the experiment store's.
    await this.session.run((db) => this.session.dialect.lockUntilEnd(db, `metadata:${key}`));
  }

  async ping(options: { signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    await this.session.run((db) => sql`select 1`.execute(db));
  }

  async close(): Promise<void> {
    if (this.session.inTransaction) throw new InternalError('close() was called on a transaction; close the store that opened it.');
    await this.session.dialect.destroy();
  }
}
