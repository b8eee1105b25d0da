import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beforeNextAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openSqlMetadataStore } from '@loam/adapters';
import { identityCollections, silentLogger } from '@loam/core';
import { loadConfig } from '../config/index.js';
import { diagnose, type Diagnosis } from './doctor.js';
import { openPlatform } from './platform.js';

// `loam doctor` is read-only: it ran every migration on an empty PostgreSQL database and wrote
// server.key, artifacts/ and jobs/ into a fresh data directory; a newer doctor would have migrated a
// production database under older running servers. It reports what is missing or pending instead.

const root = mkdtempSync(join(tmpdir(), 'loam-doctor-'));
/** The lead's `npm test` sets this; a plain `npx vitest` uses the machine's trust-auth server. */
const serverUrl = process.env['LOAM_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const database = `loam_doc_${randomBytes(5).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
})();

async function admin<T>(url: string, text: string): Promise<T[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}
/** Every table and schema of the test database outside PostgreSQL's own. */
const contents = async () => (await admin<{ n: string }>(dbUrl, `select table_schema || '.' || table_name as n from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')
  union all select 'schema ' || nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by 1`)).map((r) => r.n);
/** A directory's entries with their sizes and modification times. */
const listing = (dir: string) => readdirSync(dir).sort().map((n) => `${n} ${statSync(join(dir, n)).size} ${statSync(join(dir, n)).mtimeMs}`);
const check = (d: Diagnosis, name: string) => d.checks.find((c) => c.name === name);

beforeAll(async () => {
  await admin(serverUrl, `create database ${database}`);
});
afterAll(async () => {
  await admin(serverUrl, `drop database if exists ${database} with (force)`);
  rmSync(root, { recursive: true, force: true });
});

describe('loam doctor changes nothing', () => {
  it('on an empty PostgreSQL database and a fresh data directory: no table, no schema, no file; says what loam up will do', async (context) => {
    // CI's retry needs an empty database again: this test writes a migration of a newer Loam into it.
    beforeNextAttempt(context, async () => {
      await admin(serverUrl, `drop database if exists ${database} with (force)`);
      await admin(serverUrl, `create database ${database}`);
    });
    const dir = mkdtempSync(join(root, 'pg-')); // 0700, and new for each attempt (CI retries a failed test)
    const before = await contents();
    const env = { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: dbUrl };
    const d = await diagnose({ dataDir: dir }, env);
    expect(await contents()).toEqual(before);
    expect(readdirSync(dir)).toEqual([]);
    expect(d.ok, JSON.stringify(d.checks)).toBe(true);
    expect(check(d, 'metadata store')?.detail).toMatch(/^postgres: empty \(schema public holds no Loam tables\); \d+ migrations pending, which `loam up --data-dir .*` applies$/);
    expect(check(d, 'experiment store')?.detail).toMatch(/^postgres: empty .*; \d+ migrations pending/);
    for (const name of ['server key', 'artifact store', 'jobs directory']) expect(check(d, name)?.detail).toMatch(/does not exist yet: `loam up --data-dir .*` creates it$/);

    // A schema an older Loam migrated (fewer collections): the pending migrations are reported, not run.
    const older = await openSqlMetadataStore({ url: dbUrl, collections: identityCollections });
    await older.close();
    const tables = await contents();
    const d2 = await diagnose({ dataDir: dir }, env);
    expect(await contents()).toEqual(tables);
    expect(check(d2, 'metadata store')?.detail).toMatch(/^postgres answers; schema older than this Loam: \d+ migrations? pending \(collection:/);
    // One a newer Loam migrated: reported as such (this Loam would not know its migrations).
    await admin(dbUrl, `insert into kysely_migration (name, timestamp) values ('base:0099:from-the-future', '2030-01-01T00:00:00Z')`);
    const d3 = await diagnose({ dataDir: dir }, env);
    expect(check(d3, 'metadata store')).toMatchObject({ ok: false, detail: expect.stringMatching(/upgraded by a newer Loam: 1 migration this Loam does not know \(base:0099:from-the-future\), so `loam up` refuses it/) });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('on SQLite: creates no database file in an empty directory, and leaves a started one byte for byte as it was', async () => {
    const dir = mkdtempSync(join(root, 'sqlite-')); // 0700, and new for each attempt (CI retries a failed test)
    const d = await diagnose({ dataDir: dir }, {});
    expect(readdirSync(dir)).toEqual([]);
    expect(check(d, 'metadata store')?.detail).toMatch(/^sqlite: empty \(.*loam\.db does not exist\); \d+ migrations pending/);

    const platform = await openPlatform(loadConfig({ argv: { dataDir: dir }, env: {} }).config, silentLogger);
    await platform.close();
    const files = listing(dir);
    const after = await diagnose({ dataDir: dir }, {});
    expect(listing(dir)).toEqual(files); // no -wal or -shm left beside the databases, nothing rewritten
    expect(after.ok, JSON.stringify(after.checks)).toBe(true);
    expect(check(after, 'metadata store')?.detail).toBe('sqlite answers; migrations are current');
    expect(check(after, 'experiment store')?.detail).toBe('sqlite answers; migrations are current');
    expect(check(after, 'server key')).toMatchObject({ ok: true, detail: join(dir, 'server.key') });
  });
});

describe('loam doctor flags the migrations a start refuses, and only those', () => {
  /** A migration row of another Loam, as it leaves one. */
  const applied = (file: string, name: string) => {
    const db = new Database(file);
    try {
      db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(name, '2030-01-01T00:00:00.000Z');
    } finally {
      db.close();
    }
  };
  const starts = async (dir: string) => {
    try {
      await (await openPlatform(loadConfig({ argv: { dataDir: dir }, env: {} }).config, silentLogger)).close();
      return 'started';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('a collection this Loam does not open (another process\'s) passes, as start leaves it; a newer Loam\'s shared table fails, as start refuses it', async () => {
    const dir = mkdtempSync(join(root, 'elsewhere-')); // 0700, and new for each attempt (CI retries a failed test)
    expect(await starts(dir)).toBe('started');
    applied(join(dir, 'loam.db'), 'collection:another_process_things:v1');
    const d = await diagnose({ dataDir: dir }, {});
    expect(check(d, 'metadata store')).toEqual({
      name: 'metadata store', ok: true,
      detail: 'sqlite answers; migrations are current; 1 migration of collections this Loam does not open (collection:another_process_things:v1), which `loam up` leaves as they are',
    });
    expect(d.ok, JSON.stringify(d.checks)).toBe(true);
    expect(await starts(dir)).toBe('started');

    applied(join(dir, 'loam.db'), 'base:0099:future-shared-table');
    const refused = await diagnose({ dataDir: dir }, {});
    expect(check(refused, 'metadata store')).toMatchObject({
      ok: false,
      detail: 'sqlite answers; upgraded by a newer Loam: 1 migration this Loam does not know (base:0099:future-shared-table), so `loam up` refuses it; ' +
        'run that newer Loam (or a later one), or restore the backup taken before the upgrade; ' +
        '1 migration of collections this Loam does not open (collection:another_process_things:v1), which `loam up` leaves as they are',
    });
    expect(await starts(dir)).toMatch(/was upgraded by a newer Loam: it holds a migration this Loam does not know \(base:0099:future-shared-table\)/);
  });

  it("a newer Loam's migration it recorded as compatible passes, as start runs beside it", async () => {
    const dir = mkdtempSync(join(root, 'compatible-')); // 0700, and new for each attempt (CI retries a failed test)
    expect(await starts(dir)).toBe('started');
    // What a newer Loam leaves after a compatible migration (an index of the shared tables): its row and its flag.
    applied(join(dir, 'loam.db'), 'base:0099:future-index');
    const db = new Database(join(dir, 'loam.db'));
    try {
      db.prepare('insert into kysely_migration_compatible (name) values (?)').run('base:0099:future-index');
    } finally {
      db.close();
    }
    const d = await diagnose({ dataDir: dir }, {});
    expect(check(d, 'metadata store')).toEqual({
      name: 'metadata store', ok: true,
      detail: 'sqlite answers; migrations are current; 1 migration of a newer Loam that it recorded as compatible with older ones (base:0099:future-index), which `loam up` runs beside',
    });
    expect(await starts(dir)).toBe('started');
  });
});

describe('loam doctor reports the indexes PostgreSQL builds online', () => {
  // An index left to an online build (CREATE INDEX CONCURRENTLY after the migrations) that is missing or INVALID
  // (an interrupted build) went unreported: doctor said "migrations are current" while lists read whole tables.
  it('each with its state: one dropped is missing, one interrupted INVALID, one being built building; the statements it gives make them valid', async () => {
    const schema = `doc_${randomBytes(5).toString('hex')}`; // new for each attempt (CI retries a failed test)
    const dir = mkdtempSync(join(root, 'online-'));
    const env = { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: dbUrl, LOAM_METADATA__SCHEMA: schema };
    await (await openPlatform(loadConfig({ argv: { dataDir: dir }, env }).config, silentLogger)).close();
    const d = await diagnose({ dataDir: dir }, env);
    const online = check(d, 'online indexes');
    expect(online).toMatchObject({ ok: true, detail: expect.stringMatching(/^postgres: (\d+) of \1 valid$/) });
    expect(online?.indexes).toEqual(expect.arrayContaining([
      { store: 'metadata store', name: 'lineage_edges_created_at', table: 'lineage_edges', state: 'valid' },
      { store: 'metadata store', name: 'tags_by_key', table: 'tags', state: 'valid' },
      { store: 'metadata store', name: 'tags_by_key_arn', table: 'tags', state: 'valid' },
      { store: 'metadata store', name: 'jobs__o__kind__creationTime', table: 'jobs', state: 'valid' },
      { store: 'experiment store', name: 'sm_trials_by_creation', table: 'sm_trials', state: 'valid' },
    ]));
    expect(d.ok, JSON.stringify(d.checks)).toBe(true);

    await admin(dbUrl, `drop index "${schema}".lineage_edges_created_at`);
    // What a build killed midway leaves: the index in the catalog, marked invalid.
    await admin(dbUrl, `update pg_index set indisvalid = false where indexrelid = '"${schema}".tags_by_key'::regclass`);
    const broken = await diagnose({ dataDir: dir }, env);
    const create = `CREATE INDEX CONCURRENTLY "lineage_edges_created_at" ON "${schema}"."lineage_edges" ("created_at", "source_arn", "destination_arn");`;
    const rebuild = [`DROP INDEX CONCURRENTLY IF EXISTS "${schema}"."tags_by_key";`, `CREATE INDEX CONCURRENTLY "tags_by_key" ON "${schema}"."tags" ("tag_key", "tag_value", "resource_arn");`];
    const total = online!.indexes!.length;
    expect(check(broken, 'online indexes')).toMatchObject({
      ok: false,
      detail: `postgres: ${total - 2} of ${total} valid; lineage_edges_created_at (metadata store, table lineage_edges): missing; ` +
        'tags_by_key (metadata store, table tags): INVALID (a build was interrupted; queries do not use it). ' +
        'Restart a Loam server (`loam up`): its start builds them online (writes go on), or run, each outside a transaction: ' +
        [create, ...rebuild].join(' '),
    });
    expect(check(broken, 'online indexes')?.indexes?.filter((x) => x.state !== 'valid')).toEqual([
      { store: 'metadata store', name: 'lineage_edges_created_at', table: 'lineage_edges', state: 'missing' },
      { store: 'metadata store', name: 'tags_by_key', table: 'tags', state: 'invalid' },
    ]);
    expect(broken.ok).toBe(false);

    // The statements doctor gives, run by hand; the first held back by a long transaction's old snapshot meanwhile.
    const { default: pg } = await import('pg');
    const [reader, builder] = [new pg.Client({ connectionString: dbUrl }), new pg.Client({ connectionString: dbUrl })];
    await reader.connect();
    await builder.connect();
    try {
      await reader.query('begin isolation level repeatable read');
      await reader.query('select 1');
      const building = builder.query(create);
      let during: Diagnosis | undefined;
      for (let i = 0; i < 200; i++) {
        during = await diagnose({ dataDir: dir }, env);
        if (check(during, 'online indexes')?.indexes?.some((x) => x.name === 'lineage_edges_created_at' && x.state === 'building')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(check(during!, 'online indexes')?.detail).toContain('lineage_edges_created_at (metadata store, table lineage_edges): building (an online build is running');
      await reader.query('commit');
      await building;
      for (const statement of rebuild) await builder.query(statement);
    } finally {
      await reader.end().catch(() => undefined);
      await builder.end().catch(() => undefined);
    }
    const fixed = await diagnose({ dataDir: dir }, env);
    expect(check(fixed, 'online indexes')).toMatchObject({ ok: true, detail: `postgres: ${total} of ${total} valid` });
    expect(fixed.ok, JSON.stringify(fixed.checks)).toBe(true);
  });
});

describe('loam doctor says why a backend does not answer', () => {
  it('an S3 artifact store that refuses the connection: the detail names the network error, not only "the S3 backend failed"', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dir = mkdtempSync(join(root, 's3-down-')); // 0700, and new for each attempt (CI retries a failed test)
    const env = {
      LOAM_ARTIFACTS__TYPE: 's3', LOAM_ARTIFACTS__ENDPOINT: `http://127.0.0.1:${port}`, LOAM_ARTIFACTS__REGION: 'us-east-1',
      LOAM_ARTIFACTS__ACCESS_KEY_ID: 'x', LOAM_ARTIFACTS__SECRET_ACCESS_KEY: 'y',
    };
    const d = await diagnose({ dataDir: dir }, env);
    expect(check(d, 'artifact store')).toMatchObject({ ok: false, detail: expect.stringMatching(/^s3: .*ECONNREFUSED/) });
  });
});
