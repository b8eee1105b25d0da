import { checkTaggedLimit, prefixEnd, type Tag, type TaggedRange, type TaggedResource, type TagStore } from '@loam/core';
import { SqlSession } from './session.js';

/** Resources per read of {@link SqlTagStore.listMany}: far below PostgreSQL's 65,535 parameters and SQLite's 32,766. */
const MANY_PER_READ = 500;

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

  async tagged(key: string, values?: readonly string[], range: TaggedRange = {}): Promise<TaggedResource[]> {
    checkTaggedLimit(range.limit);
    if (values?.length === 0) return [];
    const { arnPrefix, after, limit } = range;
    // Index tags_by_key (tag_key, tag_value, resource_arn, base:0005) for values; tags_by_key_arn (tag_key,
    // resource_arn, tag_value, base:0006) for a key's resources in ARN order. A prefix is a range of either (not
    // LIKE: its `%` and `_` are text), so one type's ARNs are read alone, from `after` on.
    const rows = (await this.session.run((db) => {
      let q = db.selectFrom('tags').select(['resource_arn', 'tag_value']).where('tag_key', '=', key);
      if (values) q = q.where('tag_value', 'in', [...new Set(values)]);
      if (arnPrefix !== undefined && arnPrefix !== '') {
        q = q.where('resource_arn', '>=', arnPrefix);
        const end = prefixEnd(arnPrefix);
        if (end !== undefined) q = q.where('resource_arn', '<', end);
      }
      if (after !== undefined) q = q.where('resource_arn', '>', after);
      q = q.orderBy('resource_arn');
      return (limit === undefined ? q : q.limit(limit)).execute();
    })) as { resource_arn: string; tag_value: string }[];
    return rows.map((r) => ({ ResourceArn: r.resource_arn, Value: r.tag_value }));
  }

  async listMany(resourceArns: readonly string[]): Promise<Map<string, Tag[]>> {
    const arns = [...new Set(resourceArns)];
    const out = new Map<string, Tag[]>(arns.map((a) => [a, []]));
    for (let i = 0; i < arns.length; i += MANY_PER_READ) {
      const chunk = arns.slice(i, i + MANY_PER_READ);
      const rows = (await this.session.run((db) =>
        db.selectFrom('tags').select(['resource_arn', 'tag_key', 'tag_value']).where('resource_arn', 'in', chunk).orderBy('resource_arn').orderBy('tag_key').execute(),
      )) as { resource_arn: string; tag_key: string; tag_value: string }[];
      for (const r of rows) out.get(r.resource_arn)?.push({ Key: r.tag_key, Value: r.tag_value });
    }
    return out;
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
