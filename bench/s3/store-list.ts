/**
 * The local-fs store's list alone (no HTTP): the CPU one page costs at a given depth into one prefix of
 * 20,000 keys. The old walk read, sorted and walked the whole directory for every page.
 * usage (from /work/main): nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/s3/store-list.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFsArtifactStore } from '@loam/adapters/artifacts/local-fs/local-fs-artifact-store';
const root = mkdtempSync(join(tmpdir(), 'loam-store-list-'));
const s = await LocalFsArtifactStore.open({ root });
await s.createBucket('bkt');
const N = 20000;
for (let i = 0; i < N; i += 64) await Promise.all(Array.from({ length: Math.min(64, N - i) }, (_, j) => s.put({ bucket: 'bkt', key: `big/part-${String(i + j).padStart(6, '0')}.json` }, Buffer.from('x'))));
await new Promise((r) => setTimeout(r, 1100));
const out: Record<string, number> = {};
for (const [name, startAfter, maxKeys] of [['one key after 10000', 'big/part-009999.json', 1], ['one key after 19000', 'big/part-018999.json', 1], ['1000 keys after 19000', 'big/part-018999.json', 1000]] as const) {
  const times: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const c0 = process.cpuUsage();
    await s.list({ bucket: 'bkt', prefix: 'big/', maxKeys, startAfter });
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1000);
  }
  out[`${name} (cpu ms, best of 3)`] = Math.round(Math.min(...times) * 10) / 10;
}
console.log(JSON.stringify(out));
rmSync(root, { recursive: true, force: true });
