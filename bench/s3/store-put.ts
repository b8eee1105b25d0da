/**
 * The local-fs store's put alone (no HTTP): small objects (1 KiB), one at a time and 64 at once, in a fresh
 * store under the OS temp directory (or BENCH_DIR). Each put fsyncs its data, its sidecar and their directories;
 * since 2026-11-29 also its journal entry and the journal directory, before its temp file is made.
 * The store is imported by a relative path, so a copy of an older commit runs its own code.
 * usage (from the repo root): nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/s3/store-put.ts [N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFsArtifactStore } from '../../packages/adapters/src/artifacts/local-fs/local-fs-artifact-store.js';

const N = Number(process.argv[2] ?? 500);
const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'loam-store-put-'));
const s = await LocalFsArtifactStore.open({ root }, { owner: true });
await s.createBucket('bkt');
const body = new Uint8Array(1024).fill(120);
const out: Record<string, number> = {};
let t = performance.now();
for (let i = 0; i < N; i++) await s.put({ bucket: 'bkt', key: `seq/d${i % 16}/obj-${i}.bin` }, body);
out['sequential: ms per put'] = Math.round(((performance.now() - t) / N) * 100) / 100;
t = performance.now();
for (let i = 0; i < N; i += 64) await Promise.all(Array.from({ length: Math.min(64, N - i) }, (_, j) => s.put({ bucket: 'bkt', key: `par/d${(i + j) % 16}/obj-${i + j}.bin` }, body)));
out['64 at once: puts per s'] = Math.round(N / ((performance.now() - t) / 1000));
console.log(JSON.stringify({ N, ...out }));
rmSync(root, { recursive: true, force: true });
