// Child process of lineage-sync.test.ts: opens the SQLite store at argv[2] and runs one lineage sync
// pass over it, printing `done` when the pass ends. The test kills it with SIGKILL part-way.
import { pathToFileURL } from 'node:url';
import { LineageRecorder, LineageSync, silentLogger, systemClock } from '@loam/core';
import { openSqlMetadataStore } from '@loam/adapters';
import { allCollections } from '../compose/platform.js';
import { partition } from './lineage-sync.test-support.js';

async function main(url: string): Promise<void> {
  const store = await openSqlMetadataStore({ url, collections: allCollections });
  const sync = new LineageSync({ store, partition, clock: systemClock, recorder: new LineageRecorder(store, partition, systemClock), logger: silentLogger, batchSize: 20 });
  process.stdout.write('ready\n');
  await sync.syncOnce();
  process.stdout.write('done\n');
  await store.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv[2] ?? '');
