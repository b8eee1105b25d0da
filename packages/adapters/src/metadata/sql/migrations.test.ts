import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { CollectionSpec } from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { createSqlDialect } from './dialects/registry.js';
import { testPostgresUrl, useFreshPostgresSchemas } from './postgres-test-schema.js';

interface Item {
  id: string;
  size?: number;
  color?: unknown;
}

const v1: CollectionSpec<Item> = { name: 'items', key: 'id', indexes: { size: 'integer' } };
const v2: CollectionSpec<Item> = { name: 'items', key: 'id', indexes: { size: 'integer', color: 'text' } };
const other: CollectionSpec<{ name: string }> = { name: 'others', key: 'name', indexes: {} };

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'resolved', (e: { code?: string; message: string }) => e.code ?? e.message);
}

/** Where one test's database is: each test (and each attempt of it, a retry after a failed one) starts on an empty one. */
interface Place {
  readonly url: string;
  readonly schema?: string;
}
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

const dir = mkdtempSync(join(tmpdir(), 'loam-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describe('migrations on SQLite file', () => migrationTests(() => ({ url: `sqlite:${join(dir, `${unique()}.db`)}` })));
describe('migrations on PostgreSQL', () => {
  // Scoped here so an unreachable server fails only the PostgreSQL tests.
  const freshSchema = useFreshPostgresSchemas();
  const fresh = (): Place => ({ url: testPostgresUrl, schema: freshSchema() });
  migrationTests(fresh);
  it('backfills a newly indexed field in a few statements, not one UPDATE a row', async () => {
    const { schema } = fresh();
    const plain: CollectionSpec<Item> = { name: 'counted', key: 'id', indexes: {} };
    const indexed: CollectionSpec<Item> = { name: 'counted', key: 'id', indexes: { color: 'text' } };
    const n = 1200;
    const s1 = await openSqlMetadataStore({ url: testPostgresUrl, schema, collections: [plain] });
    await s1.transaction(async (tx) => {
      for (let k = 0; k < n; k++) await tx.collection(plain).insert({ id: `k${k}`, color: `c${k % 7}` });
    });
    await s1.close();
    // What the server is sent while the migration runs, read on the wire.
    let sent = '';
    const target = new URL(testPostgresUrl);
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      client.on('data', (chunk: Buffer) => void (sent += chunk.toString('latin1')));
      client.pipe(upstream).pipe(client);
      for (const x of [client, upstream]) x.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const via = new URL(testPostgresUrl);
      via.hostname = '127.0.0.1';
      via.port = String((proxy.address() as AddressInfo).port);
      const s2 = await openSqlMetadataStore({ url: via.toString(), schema, collections: [indexed] });
      try {
        expect((await s2.collection(indexed).count([{ field: 'color', op: 'eq', value: 'c3' }]))).toBe(Math.ceil((n - 3) / 7));
      } finally {
        await s2.close();
      }
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
    // 1,200 rows in batches of 500: three statements.
    expect(sent.match(/update "counted"/g)?.length).toBe(3);
  });

  it('reports PostgreSQL capabilities', async () => {
    const p = await openSqlMetadataStore({ url: testPostgresUrl, schema: fresh().schema, collections: [] });
    expect(p.capabilities).toEqual({ skipLocked: true, durable: true });
    await p.close();
  });
});

function migrationTests(place: () => Place): void {
  /** A database of the test's own, and how it opens it. */
  const at = () => {
    const { url, schema } = place();
    const open = (collections: CollectionSpec<any>[]) => openSqlMetadataStore({ url, collections, ...(schema ? { schema } : {}) });
    const migrationNames = async (): Promise<string[]> => {
      const d = await createSqlDialect({ url, ...(schema ? { schema } : {}) });
      try {
        const r = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(d.db);
        return r.rows.map((x) => x.name);
      } finally {
        await d.destroy();
      }
    };
    return { url, schema, open, migrationNames };
  };

  it('creates the base tables and one migration per collection and indexed field', async () => {
    const { open, migrationNames } = at();
    const s = await open([v1, other]);
    await s.close();
    expect(await migrationNames()).toEqual(['base:0001:shared-tables', 'base:0002:lineage-edges-created-at', 'base:0003:lineage-edges-lives', 'base:0004:compatible-migrations', 'base:0005:tags-by-key', 'base:0006:tags-by-key-arn', 'collection:items:v1', 'collection:items:v1:index:size', 'collection:others:v1']);
  });

  it('adding an indexed field is one new migration that backfills the column from stored documents', async () => {
    const { open, migrationNames } = at();
    const s1 = await open([v1, other]);
    const c1 = s1.collection(v1);
    await c1.insert({ id: 'a', size: 1, color: 'red' });
    await c1.insert({ id: 'b', size: 2, color: 'blue' });
    await c1.insert({ id: 'c', size: 3, color: 42 });
    expect(await codeOf(c1.list({ filters: [{ field: 'color', op: 'eq', value: 'red' }] }))).toBe('ValidationException');
    await s1.close();

    const s2 = await open([v2, other]);
    try {
      expect(await migrationNames()).toContain('collection:items:v1:index:color');
      const c2 = s2.collection(v2);
      expect((await c2.list({ filters: [{ field: 'color', op: 'eq', value: 'red' }] })).items.map((v) => v.value.id)).toEqual(['a']);
      // A value of the wrong type written before the field was indexed stays unindexed, and is kept.
      expect((await c2.list({ sortBy: 'color' })).items.map((v) => v.value.id)).toEqual(['b', 'a', 'c']);
      expect((await c2.get('c'))?.value.color).toBe(42);
      expect(await codeOf(c2.insert({ id: 'd', color: 7 }))).toBe('ValidationException');
    } finally {
      await s2.close();
    }
  });

  it('a backfill over several batches indexes what a write would: values that do not fit stay NULL', async () => {
    const { open, url, schema } = at();
    // Each case: the stored value, then what its column holds once indexed as text, integer and real.
    const cases: [unknown, string | null, number | null, number | null][] = [
      ['red', 'red', null, null], ['', '', null, null], ['ünï 🙂', 'ünï 🙂', null, null], ['a\u0000b', null, null, null],
      [7, null, 7, 7], [-3, null, -3, -3], [0, null, 0, 0], [-0, null, 0, 0], [2 ** 53 - 1, null, 2 ** 53 - 1, 2 ** 53 - 1], [2 ** 53, null, null, 2 ** 53],
      [1.5, null, null, 1.5], [0.1, null, null, 0.1], [1e300, null, null, 1e300], [-2.5e-300, null, null, -2.5e-300],
      ['7', '7', null, null], [true, null, null, null], [{ a: 1 }, null, null, null], [[1], null, null, null], [null, null, null, null], [undefined, null, null, null],
    ];
    type Doc = { id: string; t?: unknown; i?: unknown; r?: unknown };
    const plain: CollectionSpec<Doc> = { name: 'backfilled', key: 'id', indexes: {} };
    const indexed: CollectionSpec<Doc> = { name: 'backfilled', key: 'id', indexes: { t: 'text', i: 'integer', r: 'real' } };
    const n = 1234;
    const id = (k: number) => `k${String(k).padStart(5, '0')}`;
    const s1 = await open([plain]);
    await s1.transaction(async (tx) => {
      for (let k = 0; k < n; k++) {
        const v = cases[k % cases.length]![0];
        await tx.collection(plain).insert(v === undefined ? { id: id(k) } : { id: id(k), t: v, i: v, r: v });
      }
    });
    await s1.close();
    (await open([indexed])).close();
    const d = await createSqlDialect({ url, ...(schema ? { schema } : {}) });
    try {
      const rows = (await sql<{ pk: string; ix_t: string | null; ix_i: number | null; ix_r: number | null }>`select pk, ix_t, ix_i, ix_r from backfilled order by pk`.execute(d.db)).rows;
      expect(rows.length).toBe(n);
      const wrong = rows.filter((row, k) => {
        const [, t, i, r] = cases[k % cases.length]!;
        return row.pk !== id(k) || row.ix_t !== t || row.ix_i !== i || row.ix_r !== r;
      });
      expect(wrong).toEqual([]);
    } finally {
      await d.destroy();
    }
  });

  it('opening with fewer collections leaves the others untouched', async () => {
    const { open } = at();
    const first = await open([v2, other]);
    for (const id of ['a', 'b', 'c']) await first.collection(v2).insert({ id });
    await first.close();
    const s = await open([other]);
    await s.close();
    const again = await open([v2]);
    try {
      expect(await again.collection(v2).count()).toBe(3);
    } finally {
      await again.close();
    }
  });

  it('refuses a changed index type or key, naming the collection and field', async () => {
    const { open } = at();
    await (await open([v2])).close();
    const retyped: CollectionSpec<Item> = { name: 'items', key: 'id', indexes: { size: 'real', color: 'text' } };
    const e = await open([retyped]).then(() => undefined, (x: Error & { code?: string }) => x);
    expect(e?.code).toBe('InternalFailure');
    expect(e?.message).toContain("'size'");
    const rekeyed: CollectionSpec<Item> = { name: 'items', key: 'color' as 'id', indexes: {} };
    expect(await codeOf(open([rekeyed]))).toBe('InternalFailure');
  });

  it('rejects bad specs before touching the database', async () => {
    const { open } = at();
    expect(await codeOf(open([{ name: 'tags', key: 'id', indexes: {} }]))).toBe('InternalFailure');
    expect(await codeOf(open([{ name: 'Bad-Name', key: 'id', indexes: {} }]))).toBe('InternalFailure');
    expect(await codeOf(open([v1, v1]))).toBe('InternalFailure');
    expect(await codeOf(open([{ name: 'x', key: 'id', indexes: { 'a b': 'text' } } as CollectionSpec<any>]))).toBe('InternalFailure');
  });
}

describe('metadata store URLs', () => {
  it('rejects unknown schemes naming the valid ones, and relative SQLite paths', async () => {
    const e = await openSqlMetadataStore({ url: 'mysql://x', collections: [] }).then(() => undefined, (x: Error & { code?: string }) => x);
    expect(e?.code).toBe('ValidationException');
    expect(e?.message).toContain('sqlite:');
    expect(e?.message).toContain('postgres:');
    expect(await codeOf(openSqlMetadataStore({ url: 'sqlite:relative.db', collections: [] }))).toBe('ValidationException');
  });

  it('sets WAL, synchronous=FULL, a busy timeout and foreign keys on SQLite', async () => {
    const d = await createSqlDialect({ url: `sqlite:${join(dir, 'pragmas.db')}` });
    try {
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(d.db)).rows[0] as object)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
      expect(await pragma('busy_timeout')).toBe(5000);
      expect(await pragma('foreign_keys')).toBe(1);
    } finally {
      await d.destroy();
    }
  });

  it('opens sqlite:// URLs with an absolute path and reports the capabilities of each backend', async () => {
    const s = await openSqlMetadataStore({ url: `sqlite://${join(dir, 'slashes.db')}`, collections: [] });
    expect(s.capabilities).toEqual({ skipLocked: false, durable: true });
    await s.close();
    const m = await openSqlMetadataStore({ url: 'sqlite::memory:', collections: [] });
    expect(m.capabilities).toEqual({ skipLocked: false, durable: false });
    await m.close();
  });
});
