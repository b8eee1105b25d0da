import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbDataEngine } from './duckdb-data-engine.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-duck-concurrent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DuckDB engine: CSV reads at the same time', () => {
  // Each CSV read took DuckDB's default buffer, 16 × max_line_size = 512 MiB, from the engine's 1 GB
  // memory_limit: with a second read running (two users importing datasets, a flow run beside a
  // preview) the others failed with "Out of Memory Error: could not allocate block of size 512.0 MiB",
  // reported to the user as a file that cannot be imported, however few rows it had.
  it('succeed side by side on the default memory limit, however small the files', async () => {
    const engine = new DuckDbDataEngine();
    const csv = { delimiter: ',', quote: '"', escape: '"', header: true, columnNames: ['a', 'b'], encoding: 'utf-8' as const };
    const runs = Array.from({ length: 4 }, async (_, i) => {
      const path = join(dir, `in-${i}.csv`);
      writeFileSync(path, 'a,b\n' + Array.from({ length: 50 + i }, (_, j) => `${j},${i}`).join('\n') + '\n');
      return engine.copyTo('SELECT * FROM src', { src: { path, format: 'csv', csv } }, { path: join(dir, `out-${i}.parquet`), format: 'parquet' });
    });
    const results = await Promise.allSettled(runs);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.rowCount : String(r.reason)))).toEqual([50, 51, 52, 53]);
  }, 60_000);
});
