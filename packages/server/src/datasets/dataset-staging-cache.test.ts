import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from '@loam/adapters';
import { byteSizeOf, DatasetStaging } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// The staging cache (`<data-dir>/datasets-work/cache`) is bounded by dataEngine.stagingCacheSize: an
// import's staged source goes when the import ends, a deleted dataset's copies go with it, and past the
// budget the least recently used copies go — never one a running query holds. It was never evicted:
// two uploads of a 780 MB CSV left 1.7 GB there, still 1.7 GB after DeleteDataset.

const BUDGET = 150_000;
let loam: TestLoam;
async function call(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${loam.adminToken}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
}
/** ~140 KB of CSV whose Parquet snapshot is ~57 KB (random doubles barely compress). */
function csv(seed: number): Buffer {
  let x = seed * 7919 + 1;
  const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647);
  const rows = Array.from({ length: 2500 }, () => `${rnd()},${rnd()},${rnd()}`);
  return Buffer.from(`a,b,c\n${rows.join('\n')}\n`);
}
const cacheDir = () => join(loam.dataDir, 'datasets-work', 'cache');
const cached = () => (existsSync(cacheDir()) ? readdirSync(cacheDir()) : []);
const cacheBytes = () => cached().reduce((t, n) => t + statSync(join(cacheDir(), n)).size, 0);
const settled = () => loam.platform.datasets.datasets.staging.trim();

beforeAll(async () => {
  loam = await openTestLoam({ LOAM_DATA_ENGINE__STAGING_CACHE_SIZE: `${BUDGET}B` });
  await loam.platform.artifacts.ensureBucket('cache-src');
  for (let i = 0; i < 6; i++) await loam.platform.artifacts.put({ bucket: 'cache-src', key: `d${i}.csv` }, csv(i));
});
afterAll(async () => loam?.close());

describe('the dataset staging cache', () => {
  it('keeps no import source, and stays within its budget over many imports and reads', async () => {
    expect(loam.platform.datasets.datasets.staging.budgetBytes).toBe(BUDGET);
    let staged = 0;
    for (let i = 0; i < 6; i++) {
      const r = await call('POST', `/api/v1/datasets/c${i}/versions`, { SourceUri: `s3://cache-src/d${i}.csv`, CreateDataset: true });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await settled();
      expect(cached().filter((n) => n.endsWith(".csv")), `the staged source of a finished import: ${cached().map((n) => `${n} ${statSync(join(cacheDir(), n)).size}`).join(", ")}`).toEqual([]);
      expect((await call('GET', `/api/v1/datasets/c${i}/profile`)).status).toBe(200);
      staged += (await call('GET', `/api/v1/datasets/c${i}/version?Version=1`)).body['DataBytes'] as number;
      await settled();
      expect(cacheBytes(), `after ${i + 1} imports and profiles`).toBeLessThanOrEqual(BUDGET);
    }
    expect(staged).toBeGreaterThan(BUDGET * 1.5); // eviction was needed
    // An evicted version is staged again when read.
    const p = await call('GET', '/api/v1/datasets/c0/preview?Limit=2');
    expect([p.status, p.body['RowCount']]).toEqual([200, 2500]);
  });

  it('never evicts a file a running query holds; it goes once released', async () => {
    const ds = loam.platform.datasets.datasets;
    // Three versions held at once take more than the budget: none of them may go.
    const held = [await ds.source('c1'), await ds.source('c2'), await ds.source('c3')];
    try {
      for (const i of [4, 5, 0]) expect((await call('GET', `/api/v1/datasets/c${i}/preview?Limit=1`)).status).toBe(200);
      await settled();
      expect(held.map((h) => existsSync(h.source.path))).toEqual([true, true, true]);
      expect(cacheBytes()).toBeGreaterThan(BUDGET);
      const engine = (loam.platform.datasets.flows as unknown as { o: { engine: { query: (sql: string, src: object, o: object) => Promise<{ rows: unknown[][] }> } } }).o.engine;
      for (const h of held) expect(Number((await engine.query('SELECT count(*) FROM src', { src: h.source }, { limit: 1 })).rows[0]?.[0])).toBe(2500);
      // Released, the least recently used of them goes (c1); the cache is within its budget again.
      held[0]?.release();
      await settled();
      expect(held.map((h) => existsSync(h.source.path))).toEqual([false, true, true]);
      expect(cacheBytes()).toBeLessThanOrEqual(BUDGET);
    } finally {
      for (const h of held) h.release();
    }
    await settled();
    expect(cacheBytes()).toBeLessThanOrEqual(BUDGET);
  });

  it('DeleteDataset removes the copies of its versions', async () => {
    const r = await call('POST', '/api/v1/datasets/gone/versions', { SourceUri: 's3://cache-src/d5.csv', CreateDataset: true });
    expect(r.status).toBe(200);
    const { source, release } = await loam.platform.datasets.datasets.source('gone');
    release();
    expect(existsSync(source.path)).toBe(true);
    expect((await call('DELETE', '/api/v1/datasets/gone')).status).toBe(200);
    expect(existsSync(source.path)).toBe(false);
  });
});

describe('DatasetStaging.trim (also run at start)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'loam-staging-trim-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('shrinks a cache left over budget, least recently used first, and leaves copies in progress', async () => {
    const store = await LocalFsArtifactStore.open({ root: join(root, 'artifacts') });
    const cache = join(root, 'work', 'cache');
    mkdirSync(cache, { recursive: true });
    const names = ['old.parquet', 'mid.parquet', 'new.parquet', 'x.csv.1234.part'];
    names.forEach((n, i) => {
      writeFileSync(join(cache, n), Buffer.alloc(1000));
      const t = new Date(Date.UTC(2026, 0, 1 + i));
      utimesSync(join(cache, n), t, t);
    });
    await new DatasetStaging(store, join(root, 'work'), { budgetBytes: 2500 }).trim();
    expect(readdirSync(cache).sort()).toEqual(['new.parquet', 'x.csv.1234.part']);
  });

  it('reads sizes as DuckDB does', () => {
    expect([byteSizeOf('10GB'), byteSizeOf('512MiB'), byteSizeOf(' 1.5 KB '), byteSizeOf('300B')]).toEqual([10e9, 512 * 1024 ** 2, 1500, 300]);
    expect(() => byteSizeOf('25%')).toThrow(/not a size/);
  });
});
