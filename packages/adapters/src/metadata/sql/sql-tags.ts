import type { Tag, TagStore } from '@loam/core';
import { SqlSession } from './session.js';

/**
 * Tags of every resource in one table keyed by (ARN, tag key). A resource's tags are held (the dialect's
 * `lockUntilEnd` on its ARN) by a list inside a transaction and by every write, so a count read in a
 * transaction stays true until it ends (AddTags' limit of 50 holds when transactions run side by side).
 */
export class SqlTagStore implements TagStore {
  constructor(private readonly session: SqlSession) {}

  async put(resourceArn: string, tags: readonly Tag[]): Promise<void> {
    // One statement may not touch a row twice (PostgreSQL refuses), so the last value of a repeated key wins here.
    const byKey = new Map(tags.map((t) => [t.Key, t.Value]));
    if (byKey.size === 0) return;
    const rows = [...byKey].map(([tag_key, tag_value]) => ({ resource_arn: resourceArn, tag_key, tag_value }));
    await this.#held(resourceArn, (s) => s.run((db) =>
      db.insertInto('tags').values(rows)
        .onConflict((oc) => oc.columns(['resource_arn', 'tag_key']).doUpdateSet((eb) => ({ tag_value: eb.ref('excluded.tag_value') })))
        .execute(),
    ));
  }

  async list(resourceArn: string): Promise<Tag[]> {
    const read = (s: SqlSession) => s.run((db) =>
      db.selectFrom('tags').select(['tag_key', 'tag_value']).where('resource_arn', '=', resourceArn).orderBy('tag_key').execute(),
    ) as Promise<{ tag_key: string; tag_value: string }[]>;
    // Outside a transaction nothing could rely on the answer staying true: no lock.
    const rows = this.session.inTransaction ? await this.#held(resourceArn, read) : await read(this.session);
    return rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
  }

  async remove(resourceArn: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#held(resourceArn, (s) => s.run((db) => db.deleteFrom('tags').where('resource_arn', '=', resourceArn).where('tag_key', 'in', [...keys]).execute()));
  }

  async clear(resourceArn: string): Promise<void> {
    await this.#held(resourceArn, (s) => s.run((db) => db.deleteFrom('tags').where('resource_arn', '=', resourceArn).execute()));
  }

  /**
   * Runs `op` holding the resource's tags until the transaction ends; outside one, where transactions run
   * side by side, in a transaction of its own, so a write waits for a transaction that listed them.
   */
  async #held<R>(resourceArn: string, op: (s: SqlSession) => Promise<R>): Promise<R> {
    const { dialect, layouts } = this.session;
    const lock = (s: SqlSession) => s.run((db) => dialect.lockUntilEnd(db, `tags:${resourceArn}`));
    if (this.session.inTransaction) {
      await lock(this.session);
      return op(this.session);
    }
    if (!dialect.capabilities.concurrentTransactions) return op(this.session);
    return this.session.db.transaction().execute(async (trx) => {
      const s = new SqlSession(dialect, trx, layouts, true);
      await lock(s);
      return op(s);
    });
  }
}
