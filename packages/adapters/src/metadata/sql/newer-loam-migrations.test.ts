import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { jobCollections } from '@loam/core';
import { useDatabaseDirPerAttempt } from './lineage-stores.test-support.js';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { openSqlExperimentStore } from './experiments/open-sql-experiment-store.js';

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
