import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import type { CollectionSpec } from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { inspectSqlMetadataStore } from './inspect-sql-stores.js';

// `loam doctor` reads a SQLite store no server has open through a copy (a read-only connection would
// leave -wal and -shm beside it). The copy was made in memory, twice the database's size (the file read
// into a Buffer, then SQLite's own copy of it), and Node refuses to read a file over 2 GiB at all.
// Alone in its file: the peak RSS of this fresh worker is the measure.

const items: CollectionSpec<{ id: string }> = { name: 'items', key: 'id', indexes: {} };
const BLOB_MB = 320;

const dir = mkdtempSync(join(tmpdir(), 'loam-inspect-large-'));
const temp = mkdtempSync(join(tmpdir(), 'loam-inspect-tmp-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
});

it('inspecting a large SQLite store no server has open takes no memory in proportion to it and leaves no file behind', async () => {
  const file = join(dir, 'loam.db');
  const store = await openSqlMetadataStore({ url: `sqlite:${file}`, collections: [items] });
  await store.close();
  // Bulk a store up as years of job records would: 320 MB in a table of its own, written in WAL mode.
  const bulk = new Database(file);
  bulk.exec('create table bulk (b blob)');
  const insert = bulk.prepare('insert into bulk values (zeroblob(?))');
  for (let i = 0; i < BLOB_MB; i++) insert.run(1024 * 1024);
  bulk.close();
  expect(readdirSync(dir)).toEqual(['loam.db']);
  expect(statSync(file).size).toBeGreaterThan(BLOB_MB * 1024 * 1024);

  const tmpBefore = process.env['TMPDIR'];
  process.env['TMPDIR'] = temp;
  const rssBefore = process.resourceUsage().maxRSS;
  try {
    const s = await inspectSqlMetadataStore({ url: `sqlite:${file}`, collections: [items] });
    expect(s).toMatchObject({ empty: false, pending: [], unknown: [], conflicts: [] });
  } finally {
    if (tmpBefore === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmpBefore;
  }
  const grewMb = (process.resourceUsage().maxRSS - rssBefore) / 1024;
  expect(grewMb).toBeLessThan(BLOB_MB / 4);
  expect(readdirSync(dir)).toEqual(['loam.db']);
  expect(readdirSync(temp)).toEqual([]);
}, 120_000);
