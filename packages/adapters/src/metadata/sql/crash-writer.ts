// Child process of crash.test.ts: opens the SQLite store at argv[2] and races argv[3] writes,
// printing each key only after its write resolved. The test kills this process with SIGKILL.
import { pathToFileURL } from 'node:url';
import type { CollectionSpec } from '@loam/core';
import { openSqlMetadataStore } from './open-sql-metadata-store.js';

export interface CrashRecord {
  key: string;
  i: number;
  payload: string;
}

export const crashSpec: CollectionSpec<CrashRecord> = { name: 'crash_records', key: 'key', indexes: { i: 'integer' } };

async function main(url: string, count: number): Promise<void> {
  const store = await openSqlMetadataStore({ url, collections: [crashSpec] });
  const records = store.collection(crashSpec);
  process.stdout.write('ready\n');
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const key = `rec-${String(i).padStart(4, '0')}`;
      const value = { key, i, payload: `${key} ✓ `.repeat(20) };
      if (i % 10 === 0) {
        // Every tenth write is a record and its tag in one transaction: both or neither may survive.
        await store.transaction(async (tx) => {
          await tx.collection(crashSpec).insert(value);
          await tx.tags.put(`arn:${key}`, [{ Key: 'i', Value: String(i) }]);
        });
      } else {
        await records.insert(value);
      }
      // Pipes are synchronous on Linux: once this returns, the line is the parent's to read.
      process.stdout.write(`${key}\n`);
    }),
  );
  process.stdout.write('done\n');
  await store.close();
}

// Run only as a script, never when the test imports `crashSpec` from here.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, count] = process.argv.slice(2);
  await main(url ?? '', Number(count ?? '1000'));
}
