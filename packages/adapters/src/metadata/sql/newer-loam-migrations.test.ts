import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { jobCollections, type CollectionSpec } from '@loam/core';
import { useDatabaseDirPerAttempt } from './lineage-stores.test-support.js';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { openSqlExperimentStore } from './experiments/open-sql-experiment-store.js';
import { inspectSqlExperimentStore, inspectSqlMetadataStore } from './inspect-sql-stores.js';
import { adminQuery, testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

/*
 * An older Loam started on a database a newer one migrated ran on a schema it was not written for: the
 * metadata store opened it as if nothing were wrong (a shared table's migration it did not know passed for
 * another process's collection), and the experiment store was refused by Kysely as "corrupted migrations:
 * previously executed migration … is missing", which reads as damage. Both are now refused before anything
 * runs, saying a newer Loam upgraded the database, naming its migrations, and what to do.
 */
const inDir = useDatabaseDirPerAttempt('loam-newer-schema-');

/** What a newer Loam leaves: a migration row this Loam has no migration for. */
function applied(file: string, table: string, name: string): void {
  const db = new Database(file);
  try {
    db.prepare(`insert into ${table} (name, timestamp) values (?, ?)`).run(name, new Date().toISOString());
  } finally {
    db.close();
  }
}

function migrationNames(file: string, table: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`select name from ${table} order by name`).all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

const refusal = (p: Promise<{ close(): Promise<void> }>) => p.then(async (s) => {
  await s.close();
  return undefined;
}, (e: Error & { code?: string }) => e);

it('the metadata store refuses a database holding a shared table\'s migration it does not know, naming it, before migrating anything', async () => {
  const file = inDir('loam.db');
  await (await openSqlMetadataStore({ url: `sqlite:${file}`, collections: jobCollections })).close();
  applied(file, 'kysely_migration', 'base:0009:future-shared-table');
  const before = migrationNames(file, 'kysely_migration');
  // Opened with a collection more, which it would otherwise create.
  const e = await refusal(openSqlMetadataStore({ url: `sqlite:${file}`, collections: [...jobCollections, { name: 'things', key: 'id', indexes: {} }] }));
  expect(e?.message).toBe(
    `The metadata store at sqlite:${file} was upgraded by a newer Loam: it holds a migration this Loam does not know (base:0009:future-shared-table). ` +
      'Nothing was changed. Run that newer Loam (or a later one) on it, or restore the backup taken before the upgrade to run this one.',
  );
  expect(e?.code).toBe('InternalFailure');
  expect(migrationNames(file, 'kysely_migration')).toEqual(before);
});

it("the metadata store refuses a newer Loam's migration of a collection it opens, and keeps opening beside one it does not open", async () => {
  const file = inDir('collections.db');
  await (await openSqlMetadataStore({ url: `sqlite:${file}`, collections: jobCollections })).close();
  // Another process's collection: this one leaves it as it is.
  applied(file, 'kysely_migration', 'collection:others:v1');
  await (await openSqlMetadataStore({ url: `sqlite:${file}`, collections: jobCollections })).close();
  // A field of `jobs` a newer Loam indexes, whose column this one would leave stale on every write.
  applied(file, 'kysely_migration', 'collection:jobs:v1:index:future');
  applied(file, 'kysely_migration', 'base:0009:future-shared-table');
  const e = await refusal(openSqlMetadataStore({ url: `sqlite:${file}`, collections: jobCollections }));
  expect(e?.message).toContain('was upgraded by a newer Loam: it holds 2 migrations this Loam does not know (base:0009:future-shared-table, collection:jobs:v1:index:future).');
});

it('the experiment store refuses a newer Loam\'s database saying so, not as "corrupted migrations"', async () => {
  const file = inDir('experiments.db');
  await (await openSqlExperimentStore({ url: `sqlite:${file}` })).close();
  applied(file, 'loam_experiments_migration', 'experiments:0099:future');
  const e = await refusal(openSqlExperimentStore({ url: `sqlite:${file}` }));
  expect(e?.message).toBe(
    `The experiment store at sqlite:${file} was upgraded by a newer Loam: it holds a migration this Loam does not know (experiments:0099:future). ` +
      'Nothing was changed. Run that newer Loam (or a later one) on it, or restore the backup taken before the upgrade to run this one.',
  );
  expect(e?.message).not.toMatch(/corrupted/);
});

/*
 * A newer Loam's migrations that only add what an older Loam keeps correct without knowing of them (an index)
 * are marked compatible, and the newer Loam records so in the database as it applies them: an older Loam (which
 * cannot know their flags) runs beside them, and `loam doctor` says so rather than failing. Until now every
 * unknown migration refused the start.
 */
type Thing = { id: string; owner: string };

function recordedCompatible(file: string, table: string, name: string): void {
  const db = new Database(file);
  try {
    db.prepare(`insert into ${table}_compatible (name) values (?)`).run(name);
  } finally {
    db.close();
  }
}

it("the metadata store runs beside a newer Loam's order index of a collection it opens (recorded compatible), not beside one it did not record so", async () => {
  const file = inDir('compatible.db');
  const url = `sqlite:${file}`;
  const older: CollectionSpec<Thing> = { name: 'things', key: 'id', indexes: { owner: 'text' } };
  // The newer Loam lists things in owner order: one order index more, recorded as compatible as it is applied.
  const newer: CollectionSpec<Thing> = { ...older, orderIndexes: [{ sortBy: 'owner' }] };
  const store = await openSqlMetadataStore({ url, collections: [newer] });
  await store.collection<Thing>(newer).insert({ id: 'a', owner: 'ann' });
  await store.close();
  // base:0005 and base:0006 (the tags indexes) are compatible too, recorded by every store.
  expect(migrationNames(file, 'kysely_migration_compatible')).toEqual(['base:0005:tags-by-key', 'base:0006:tags-by-key-arn', 'collection:things:v1:order:owner']);
  // The older Loam: starts, reads and writes (the index kept by the database), and doctor agrees.
  const old = await openSqlMetadataStore({ url, collections: [older] });
  await old.collection<Thing>(older).insert({ id: 'b', owner: 'bob' });
  expect((await old.collection<Thing>(older).get('a'))?.value.owner).toBe('ann');
  await old.close();
  expect(await inspectSqlMetadataStore({ url, collections: [older] })).toMatchObject({ unknown: [], compatible: ['collection:things:v1:order:owner'], pending: [] });
  // The newer Loam again: its index answers the older Loam's write.
  const again = await openSqlMetadataStore({ url, collections: [newer] });
  expect((await again.collection<Thing>(newer).list({ sortBy: 'owner', sortOrder: 'Descending', maxResults: 10 })).items.map((r) => r.value.id)).toEqual(['b', 'a']);
  await again.close();
  // A migration not recorded as compatible (an indexed field, whose column the older Loam would leave stale) is refused, and only it is named.
  applied(file, 'kysely_migration', 'collection:things:v1:index:future');
  const e = await refusal(openSqlMetadataStore({ url, collections: [older] }));
  expect(e?.message).toContain('it holds a migration this Loam does not know (collection:things:v1:index:future).');
  expect(await inspectSqlMetadataStore({ url, collections: [older] })).toMatchObject({ unknown: ['collection:things:v1:index:future'], compatible: ['collection:things:v1:order:owner'] });
});

it("the experiment store runs beside a newer Loam's migrations it recorded as compatible, and refuses one it did not, naming only that one", async () => {
  const file = inDir('experiments-compatible.db');
  const url = `sqlite:${file}`;
  await (await openSqlExperimentStore({ url })).close();
  // What a newer Loam leaves after applying a compatible migration (an index): its row and its flag.
  applied(file, 'loam_experiments_migration', 'experiments:0099:future-index');
  recordedCompatible(file, 'loam_experiments_migration', 'experiments:0099:future-index');
  const store = await openSqlExperimentStore({ url });
  const id = await store.createExperiment({ name: 'beside-a-newer-loam', artifactRoot: 'r:', tags: [], time: 1 });
  expect((await store.getExperiment(id))?.name).toBe('beside-a-newer-loam');
  await store.close();
  expect(await inspectSqlExperimentStore({ url })).toMatchObject({ unknown: [], compatible: ['experiments:0099:future-index'], pending: [] });
  applied(file, 'loam_experiments_migration', 'experiments:0100:future-column');
  const e = await refusal(openSqlExperimentStore({ url }));
  expect(e?.message).toContain('it holds a migration this Loam does not know (experiments:0100:future-column).');
  expect(await inspectSqlExperimentStore({ url })).toMatchObject({ unknown: ['experiments:0100:future-column'], compatible: ['experiments:0099:future-index'] });
});

describe('beside a newer Loam\'s compatible migrations (PostgreSQL)', () => {
  const schema = useFreshPostgresSchema();

  it('both stores start beside migrations recorded compatible, refuse one that is not, and doctor agrees', async () => {
    const url = testPostgresUrl;
    // Each attempt its own collection and migration names (CI retries a failed test on the same schema).
    const tag = Math.random().toString(36).slice(2, 8);
    const older: CollectionSpec<Thing> = { name: `things_${tag}`, key: 'id', indexes: { owner: 'text' } };
    const newer: CollectionSpec<Thing> = { ...older, orderIndexes: [{ sortBy: 'owner' }] };
    await (await openSqlMetadataStore({ url, schema, collections: [newer] })).close();
    const old = await openSqlMetadataStore({ url, schema, collections: [older] });
    await old.collection<Thing>(older).insert({ id: 'b', owner: 'bob' });
    await old.close();
    const order = `collection:things_${tag}:v1:order:owner`;
    expect(await inspectSqlMetadataStore({ url, schema, collections: [older] })).toMatchObject({ unknown: [], compatible: expect.arrayContaining([order]) });

    await (await openSqlExperimentStore({ url, schema })).close();
    const future = `experiments:0099:future-index-${tag}`;
    await adminQuery(`insert into ${schema}.loam_experiments_migration (name, timestamp) values ('${future}', '${new Date().toISOString()}')`);
    await adminQuery(`insert into ${schema}.loam_experiments_migration_compatible (name) values ('${future}')`);
    const store = await openSqlExperimentStore({ url, schema });
    await store.createExperiment({ name: `beside-${tag}`, artifactRoot: 'r:', tags: [], time: 1 });
    await store.close();
    expect(await inspectSqlExperimentStore({ url, schema })).toMatchObject({ unknown: [], compatible: expect.arrayContaining([future]) });
    const refused = `experiments:0100:future-column-${tag}`;
    await adminQuery(`insert into ${schema}.loam_experiments_migration (name, timestamp) values ('${refused}', '${new Date().toISOString()}')`);
    try {
      const e = await refusal(openSqlExperimentStore({ url, schema }));
      expect(e?.message).toContain(`this Loam does not know (${refused}).`);
      expect((await inspectSqlExperimentStore({ url, schema })).unknown).toEqual([refused]);
    } finally {
      // Not left for a retried attempt, which would be refused for it.
      await adminQuery(`delete from ${schema}.loam_experiments_migration where name = '${refused}'`);
    }
  });
});
