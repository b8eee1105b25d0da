import type { Tag, TagStore } from '@loam/core';
import type { SqlSession } from './session.js';

/** Tags of every resource in one table keyed by (ARN, tag key). */
export class SqlTagStore implements TagStore {
  constructor(private readonly session: SqlSession) {}

  async put(resourceArn: string, tags: readonly Tag[]): Promise<void> {
    // One statement may not touch a row twice (PostgreSQL refuses), so the last value of a repeated key wins here.
    const byKey = new Map(tags.map((t) => [t.Key, t.Value]));
    if (byKey.size === 0) return;
    const rows = [...byKey].map(([tag_key, tag_value]) => ({ resource_arn: resourceArn, tag_key, tag_value }));
    await this.session.run((db) =>
      db.insertInto('tags').values(rows)
        .onConflict((oc) => oc.columns(['resource_arn', 'tag_key']).doUpdateSet((eb) => ({ tag_value: eb.ref('excluded.tag_value') })))
        .execute(),
    );
  }

  async list(resourceArn: string): Promise<Tag[]> {
    const rows = (await this.session.run((db) =>
      db.selectFrom('tags').select(['tag_key', 'tag_value']).where('resource_arn', '=', resourceArn).orderBy('tag_key').execute(),
    )) as { tag_key: string; tag_value: string }[];
    return rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
  }

  async remove(resourceArn: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.session.run((db) => db.deleteFrom('tags').where('resource_arn', '=', resourceArn).where('tag_key', 'in', [...keys]).execute());
  }

  async clear(resourceArn: string): Promise<void> {
    await this.session.run((db) => db.deleteFrom('tags').where('resource_arn', '=', resourceArn).execute());
  }
}
