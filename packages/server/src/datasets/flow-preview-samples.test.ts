import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// A flow preview reads a random sample of each large source, drawn once per dataset version and sample
// size. The samples were written to <data-dir>/datasets-work/tmp and kept for the server's life: one
// more file for every version and SampleSize previewed, still there after DeleteDataset, and a draw that
// failed left its partial file, all removed only at the next start. They are now files of the staging
// cache: bounded by dataEngine.stagingCacheSize, kept while a preview reads them, gone with their dataset.

const ROWS = 3000;
const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
let loam: TestLoam;
const work = (sub: string) => join(loam.dataDir, 'datasets-work', sub);
const files = (sub: string) => (existsSync(work(sub)) ? readdirSync(work(sub)).sort() : []);

async function preview(dataset: string, sampleSize: number) {
  const definition = { formatVersion: 1, nodes: [
    { id: 'src', type: 'source', dataset: { name: dataset } },
    { id: 'f', type: 'transform', transform: 'filter_rows', inputs: ['src'], params: { condition: 'salary >= 0' } },
  ] };
  const r = await loam.app.inject({ method: 'POST', url: '/api/v1/flow-preview', headers: json(loam.adminToken), payload: JSON.stringify({ Definition: definition, NodeId: 'f', SampleSize: sampleSize, Limit: 5 }) });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as { SampleRows: number; Rows: unknown[][] };
}

async function start(): Promise<void> {
  loam = await openTestLoam();
  let csv = 'name,salary\n';
  for (let i = 0; i < ROWS; i++) csv += `n${i},${i}\n`;
  expect((await loam.app.inject({ method: 'POST', url: '/api/v1/datasets', headers: json(loam.adminToken), payload: JSON.stringify({ DatasetName: 'people' }) })).statusCode).toBe(200);
  const up = await loam.app.inject({ method: 'POST', url: '/api/v1/datasets/people/upload?FileName=people.csv', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/octet-stream' }, payload: csv });
  expect(up.statusCode, up.body).toBe(200);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop, 120_000);

describe("a flow preview's samples", () => {
  it('leave no file in datasets-work/tmp; one cached sample serves every preview of that size, and goes with its dataset', async () => {
    // A sample as large as the dataset is the dataset itself: this stages the version and draws nothing.
    expect((await preview('people', ROWS)).SampleRows).toBe(ROWS);
    const before = files('cache');
    expect(before.length).toBeGreaterThan(0);
    expect((await preview('people', 100)).SampleRows).toBe(100);
    expect(files('tmp')).toEqual([]);
    const withSample = files('cache');
    const samples = withSample.filter((n) => !before.includes(n));
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatch(/\.parquet$/);

    // Drawn once: the next preview of any step at that size reads the same file (a draw again would
    // rename a new file over it: same name, another inode).
    const inode = () => statSync(join(work('cache'), samples[0]!)).ino;
    const drawnAs = inode();
    expect((await preview('people', 100)).Rows).toHaveLength(5);
    expect(files('cache')).toEqual(withSample);
    expect(inode()).toBe(drawnAs);
    expect(files('tmp')).toEqual([]);

    // Every file of the dataset's version goes with it, the sample too.
    expect((await loam.app.inject({ method: 'DELETE', url: '/api/v1/datasets/people', headers: { authorization: `Bearer ${loam.adminToken}` } })).statusCode).toBe(200);
    await loam.platform.datasets.datasets.staging.trim();
    expect(files('cache').filter((n) => samples.includes(n))).toEqual([]);
  });

  it('a draw that fails leaves no file, and the next one draws afresh', async () => {
    const staging = loam.platform.datasets.datasets.staging;
    const failing = staging.derive('s3://b/k.parquet', 'sample-x-10.parquet', async (path) => {
      writeFileSync(path, 'half a sample');
      throw new Error('the engine failed');
    });
    await expect(failing).rejects.toThrow('the engine failed');
    expect(files('cache').filter((n) => n.endsWith('.part'))).toEqual([]);
    const drawn = await staging.derive('s3://b/k.parquet', 'sample-x-10.parquet', async (path) => writeFileSync(path, 'a sample'));
    try {
      expect(existsSync(drawn.path)).toBe(true);
      expect(drawn.size).toBe('a sample'.length);
    } finally {
      drawn.release();
    }
    expect(files('tmp')).toEqual([]);
  });
});
