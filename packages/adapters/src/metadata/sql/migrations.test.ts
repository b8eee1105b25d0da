import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { CollectionSpec } from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { createSqlDialect } from './dialects/registry.js';
import { testPostgresUrl, useFreshPostgresSchema } from './postgres-test-schema.js';

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

const dir = mkdtempSync(join(tmpdir(), 'loam-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describe('migrations on SQLite file', () => migrationTests(`sqlite:${join(dir, 'm.db')}`, undefined));
describe('migrations on PostgreSQL', () => {
  // Scoped here so an unreachable server fails only the PostgreSQL tests.
  const schema = useFreshPostgresSchema();
  migrationTests(testPostgresUrl, schema);
  it('reports PostgreSQL capabilities', async () => {
    const p = await openSqlMetadataStore({ url: testPostgresUrl, schema, collections: [] });
    expect(p.capabilities).toEqual({ skipLocked: true, durable: true });
    await p.close();
  });
});

function migrationTests(url: string, schema: string | undefined): void {
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

  it('creates the base tables and one migration per collection and indexed field', async () => {
    const s = await open([v1, other]);
    await s.close();
    expect(await migrationNames()).toEqual(['base:0001:shared-tables', 'collection:items:v1', 'collection:items:v1:index:size', 'collection:others:v1']);
  });

  it('adding an indexed field is one new migration that backfills the column from stored documents', async () => {
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

  it('opening with fewer collections leaves the others untouched', async () => {
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
    const retyped: CollectionSpec<Item> = { name: 'items', key: 'id', indexes: { size: 'real', color: 'text' } };
    const e = await open([retyped]).then(() => undefined, (x: Error & { code?: string }) => x);
    expect(e?.code).toBe('InternalFailure');
    expect(e?.message).toContain("'size'");
    const rekeyed: CollectionSpec<Item> = { name: 'items', key: 'color' as 'id', indexes: {} };
    expect(await codeOf(open([rekeyed]))).toBe('InternalFailure');
  });

  it('rejects bad specs before touching the database', async () => {
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
