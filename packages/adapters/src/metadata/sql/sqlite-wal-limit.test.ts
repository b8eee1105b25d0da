import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { CollectionSpec } from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';
import { WAL_SIZE_LIMIT } from './dialects/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-wal-limit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Item {
  id: string;
  color?: string;
}

it('leaves no log the size of the table behind a backfill run in the start\'s one transaction (SQLite)', async () => {
  const url = `sqlite:${join(dir, 'wal-limit.db')}`;
  const plain: CollectionSpec<Item> = { name: 'big', key: 'id', indexes: {} };
  const indexed: CollectionSpec<Item> = { name: 'big', key: 'id', indexes: { color: 'text' } };
  const s1 = await openSqlMetadataStore({ url, collections: [plain] });
  await s1.transaction(async (tx) => {
    for (let k = 0; k < 1500; k++) await tx.collection(plain).insert({ id: `k${k}`, color: `c${k % 7}`.padEnd(20_000, '.') });
  });
  await s1.close();
  // Indexing color rewrites every row (about 30 MB) in the start's one transaction, through the log.
  const s2 = await openSqlMetadataStore({ url, collections: [indexed] });
  try {
    expect(await s2.collection(indexed).count()).toBe(1500);
    // The next write after the checkpoint starts the log over, cut back to the limit.
    await s2.collection(indexed).insert({ id: 'after', color: 'c0' });
    expect(statSync(`${join(dir, 'wal-limit.db')}-wal`).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT);
  } finally {
    await s2.close();
  }
});

