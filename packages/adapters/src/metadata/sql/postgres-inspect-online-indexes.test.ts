import { afterAll, describe, expect, it } from 'vitest';
import type { CollectionSpec } from '@loam/core';
import { onlineBuildLockKeys } from './dialects/postgres.js';
import { inspectSqlMetadataStore } from './inspect-sql-stores.js';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { adminQuery, testPostgresUrl, useFreshPostgresSchemas } from './postgres-test-schema.js';

/*
 * `loam doctor` reads an online index of a schema as `building` while a session holds the schema's online-build
 * lock (SqlDialect.buildIndexesOnline). Advisory locks belong to a database, but pg_locks lists every database of
 * the cluster: a deployment in another database with the same schema name (`public`, the default) building its
 * own indexes made doctor call this database's missing index `building`, and pass, with no next step.
 */

interface Item {
  id: string;
  created?: number;
}
const items: CollectionSpec<Item> = { name: 'items', key: 'id', indexes: { created: 'integer' }, orderIndexes: [{ sortBy: 'created' }] };

/** The test server's URL on another of its databases. */
const onDatabase = (name: string) => {
  const u = new URL(testPostgresUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

describe('loam doctor: the online indexes of a PostgreSQL schema', () => {
  const freshSchema = useFreshPostgresSchemas();
  const ending: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const end of ending.reverse()) await end().catch(() => undefined);
  });

  /** A session on `url` holding `schema`'s online-build lock, as a server building that schema's indexes does. */
  const holdBuildLock = async (url: string, schema: string) => {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await c.connect();
    ending.push(() => c.end());
    const k = onlineBuildLockKeys(schema);
    await c.query('select pg_advisory_lock($1::int4, $2::int4)', [k.classid | 0, k.objid | 0]);
    return () => c.query('select pg_advisory_unlock($1::int4, $2::int4)', [k.classid | 0, k.objid | 0]);
  };
  const stateOf = async (schema: string, name: string) =>
    (await inspectSqlMetadataStore({ url: testPostgresUrl, schema, collections: [items] })).onlineIndexes?.find((x) => x.name === name);

  it("a missing index is missing while another database's same-named schema is being built; building while this database's is", async () => {
    const schema = freshSchema();
    await (await openSqlMetadataStore({ url: testPostgresUrl, schema, collections: [items] })).close();
    await adminQuery(`drop index "${schema}"."items__o____created"`);
    expect(await stateOf(schema, 'items__o____created')).toMatchObject({ state: 'missing' });

    // Another deployment, in the server's `postgres` database, building the indexes of its schema of that name.
    const release = await holdBuildLock(onDatabase('postgres'), schema);
    const elsewhere = await stateOf(schema, 'items__o____created');
    await release();
    expect(elsewhere).toMatchObject({ state: 'missing', sql: [`CREATE INDEX CONCURRENTLY "items__o____created" ON "${schema}"."items" (("ix_created" is null), "ix_created", "pk");`] });

    // A server building this database's schema: building (no statements to run by hand).
    const releaseHere = await holdBuildLock(testPostgresUrl, schema);
    const here = await stateOf(schema, 'items__o____created');
    await releaseHere();
    expect(here).toEqual({ name: 'items__o____created', table: 'items', migration: 'collection:items:v1:order:created', state: 'building' });
  });
});
