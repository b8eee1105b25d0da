import { sql } from 'kysely';
import type { SqlDialect } from './dialects/sql-dialect.js';
import type { CollectionLayout } from './collection-layout.js';

export type Db = SqlDialect['db'];

/**
 * What every repository of one store (or of one open transaction) shares: the dialect, the
 * connection or transaction to run on, and the registered collections.
 */
export class SqlSession {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dialect: SqlDialect,
    readonly db: Db,
    readonly layouts: ReadonlyMap<string, CollectionLayout>,
    readonly inTransaction: boolean,
  ) {}

  /**
   * Runs one store operation. Outside a transaction it goes straight to the pool. Inside one, the
   * operations share a single connection, so they are queued; where a failed statement would poison
   * the transaction, each runs under a savepoint so a caller may catch (say) ResourceInUse and go on.
   */
  run<R>(op: (db: Db) => Promise<R>): Promise<R> {
    if (!this.inTransaction) return op(this.db);
    const guarded = this.dialect.capabilities.statementErrorAbortsTransaction ? () => this.#underSavepoint(op) : () => op(this.db);
    const result = this.#queue.then(guarded, guarded);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #underSavepoint<R>(op: (db: Db) => Promise<R>): Promise<R> {
    await sql`savepoint loam_op`.execute(this.db);
    try {
      const r = await op(this.db);
      await sql`release savepoint loam_op`.execute(this.db);
      return r;
    } catch (e) {
      await sql`rollback to savepoint loam_op`.execute(this.db);
      await sql`release savepoint loam_op`.execute(this.db);
      throw e;
    }
  }
}
