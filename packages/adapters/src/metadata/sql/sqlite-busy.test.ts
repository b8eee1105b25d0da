import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';

/*
 * Two processes on one SQLite file (each its own connection, as two stores here): a transaction that read
 * and then writes while the other holds the write lock fails at once with SQLITE_BUSY (SQLite gives a
 * read transaction no busy wait for its upgrade). That is "the database cannot serve now": it was a bare
 * SqliteError, which the server answered as 500 InternalFailure.
 */
const dir = mkdtempSync(join(tmpdir(), 'loam-sqlite-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a write refused because another connection holds the SQLite write lock is ServiceUnavailable, and the store serves again once it is free', async () => {
  // A file of this attempt's own: a retry never meets what a failed attempt wrote.
  const url = `sqlite:${join(dir, `${randomBytes(6).toString('hex')}.db`)}`;
  const first = await openSqlMetadataStore({ url, collections: [] });
  const second = await openSqlMetadataStore({ url, collections: [] });
  try {
    const arn = 'arn:loam:sagemaker:us-east-1:123456789012:model/m';
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const holder = first.transaction(async (tx) => {
      await tx.tags.list(arn);
      await tx.tags.put(arn, [{ Key: 'a', Value: '1' }]);
      wrote();
      await released;
    });
    await written;
    const refused = await second.transaction(async (tx) => {
      await tx.tags.list(arn);
      await tx.tags.put(arn, [{ Key: 'b', Value: '2' }]);
    }).then(() => undefined, (e: unknown) => e as { code?: string; message?: string });
    release();
    await holder;
    expect(refused?.code).toBe('ServiceUnavailable');
    expect(refused?.message).toMatch(/SQLITE_BUSY/);
    expect(refused?.message).toMatch(/another process/);
    await second.tags.put(arn, [{ Key: 'b', Value: '2' }]);
    expect(await first.tags.list(arn)).toEqual([{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]);
  } finally {
    await first.close();
    await second.close();
  }
});
