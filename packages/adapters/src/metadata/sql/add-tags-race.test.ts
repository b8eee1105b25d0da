import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TagService, type MetadataStore, type RequestContext } from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { adminQuery, testPostgresUrl } from './postgres-test-schema.js';

/*
 * AddTags counts a resource's tags and writes in one transaction. On PostgreSQL (READ COMMITTED) two
 * AddTags on a resource with 49 tags, each adding a new key, both counted 49 and both wrote: the resource
 * ended past SageMaker's 50 (six at once: 54 or 55, every run). The count is now read under the store's
 * per-resource hold (TagStore.list in a transaction), so exactly one of them adds its key.
 */
const dir = mkdtempSync(join(tmpdir(), 'loam-add-tags-race-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await adminQuery(`drop schema if exists ${s} cascade`);
});

const partition = { region: 'us-east-1', accountId: '123456789012' };
const ctx: RequestContext = { principal: { userName: 'alice', userId: 'AIDATEST', arn: 'arn:loam:iam::123456789012:user/alice', via: 'token' }, requestId: 'test' };

const backends: Record<string, () => Promise<MetadataStore>> = {
  PostgreSQL: () => {
    // A schema of this attempt's own: a retry never meets the tags a failed attempt left.
    const schema = `loam_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return openSqlMetadataStore({ url: testPostgresUrl, schema, collections: [] });
  },
  'SQLite file': () => openSqlMetadataStore({ url: `sqlite:${join(dir, `${randomBytes(6).toString('hex')}.db`)}`, collections: [] }),
};

describe.each(Object.keys(backends))('AddTags under concurrency (%s)', (backend) => {
  it('six concurrent AddTags of a new key to a resource with 49 tags (and 3 uncounted mlflow. keys): one is taken, five are ResourceLimitExceeded', async () => {
    const store = await backends[backend]!();
    try {
      const tags = new TagService({ store, partition });
      tags.registerResolver('arn:loam:sagemaker:', async () => true);
      const arn = 'arn:loam:sagemaker:us-east-1:123456789012:model-package-group/g';
      await tags.AddTags({ ResourceArn: arn, Tags: Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: '' })) }, ctx);
      // A registered model's aliases, as the MLflow registry keeps them: not counted.
      await store.tags.put(arn, ['a', 'b', 'c'].map((x) => ({ Key: `mlflow.alias.${x}`, Value: '1' })));
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => tags.AddTags({ ResourceArn: arn, Tags: [{ Key: `new-${i}`, Value: '' }] }, ctx)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code: string }).code] : []))).toEqual(Array(5).fill('ResourceLimitExceeded'));
      const held = await store.tags.list(arn);
      expect(held.filter((t) => !t.Key.startsWith('mlflow.'))).toHaveLength(50);
      expect(held).toHaveLength(53);
    } finally {
      await store.close();
    }
  });
});
