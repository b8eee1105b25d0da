import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import {
  ManualClock, ModelPackageGroupService, lineageCollections, modelPackageGroupsCollection, modelPackagesCollection, registryCollections,
  type ModelPackageRecord, type RequestContext,
} from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { adminQuery, testPostgresUrl } from './postgres-test-schema.js';

/*
 * DeleteModelPackageGroup counts the group's versions and deletes it in one transaction; on PostgreSQL (READ
 * COMMITTED) a CreateModelPackage committing in between (it holds the group's row while it numbers its
 * version) was not counted, and the delete, once that row was free, removed the group: a version whose group
 * is gone. The delete now reads the group's row first (held until it ends, as a create holds it), so it counts
 * after the create and refuses.
 */
const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await adminQuery(`drop schema if exists ${s} cascade`);
});

const ctx: RequestContext = { principal: { userName: 'alice', userId: 'AIDATEST', arn: 'arn:loam:iam::123456789012:user/alice', via: 'token' }, requestId: 'test' };
const partition = { region: 'us-east-1', accountId: '123456789012' };

/** Resolves once some session of `schema`'s store waits for a lock another holds. */
async function someoneWaitsForALock(): Promise<void> {
  const { default: pg } = await import('pg');
  const watcher = new pg.Client({ connectionString: testPostgresUrl });
  await watcher.connect();
  try {
    for (;;) {
      const { rows } = await watcher.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%model_package%'`);
      if (rows.length > 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await watcher.end();
  }
}

it('DeleteModelPackageGroup racing a CreateModelPackage that numbers a version: refused, the version keeps its group (PostgreSQL)', async () => {
  // A schema of this attempt's own: a retry never meets the group a failed attempt left.
  const schema = `loam_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  const store = await openSqlMetadataStore({ url: testPostgresUrl, schema, collections: [...registryCollections, ...lineageCollections] });
  try {
    const groups = new ModelPackageGroupService({ store, clock: new ManualClock(1_700_000_000_000), partition });
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'churn' }, ctx);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // What CreateModelPackage's transaction does (model-package.service insertVersion), paused after it wrote the version.
    const create = store.transaction(async (tx) => {
      const g = (await tx.collection(modelPackageGroupsCollection).get('churn'))!;
      await tx.collection(modelPackageGroupsCollection).update('churn', g.version, { ...g.value, latestVersion: 1 });
      const record: ModelPackageRecord = {
        key: 'churn/1', arn: `arn:loam:sagemaker:us-east-1:123456789012:model-package/churn/1`, name: 'churn', groupKey: 'churn', groupName: 'churn',
        version: 1, versioned: 1, approvalStatus: 'PendingManualApproval', creationTime: 1, lastModifiedTime: 1, doc: {},
      };
      await tx.collection(modelPackagesCollection).insert(record);
      await released;
    });
    const deleted = groups.DeleteModelPackageGroup({ ModelPackageGroupName: 'churn' }, ctx).then(() => 'deleted', (e: { code?: string }) => e.code);
    await someoneWaitsForALock();
    release();
    await create;
    expect(await deleted).toBe('ConflictException');
    expect(await store.collection(modelPackageGroupsCollection).get('churn')).toBeDefined();
    expect(await store.collection(modelPackagesCollection).get('churn/1')).toBeDefined();
  } finally {
    await store.close();
  }
});
