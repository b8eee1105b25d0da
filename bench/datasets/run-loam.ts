/**
 * Loam's side of bench/datasets: imports a CSV as a dataset version does (detected, snapshotted to
 * Parquet by the real engine; the import is timed apart) and times GetDatasetProfile's profileDataset
 * over the snapshot, without and with a target column. Prints JSON lines.
 * Run: node_modules/.bin/tsx bench/datasets/run-loam.ts CSV [TARGET] [MEMORY_LIMIT=1GB]
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbDataEngine } from '../../packages/adapters/src/data-engine/duckdb/duckdb-data-engine.js';
import { detectFile } from '../../packages/core/src/datasets/import/detect-file.js';
import { profileDataset } from '../../packages/core/src/datasets/profile/profile.js';
import type { DatasetVersionRecord } from '../../packages/core/src/datasets/dataset.collections.js';

const [csv, target, memoryLimit = '1GB'] = process.argv.slice(2);
if (!csv) throw new Error('usage: run-loam.ts CSV [TARGET] [MEMORY_LIMIT]');
const engine = new DuckDbDataEngine({ tempDirectory: tmpdir(), memoryLimit });
const snapshot = `${csv}.snapshot.parquet`;
const t0 = performance.now();
const detected = await detectFile(csv, statSync(csv).size);
const copy = existsSync(snapshot)
  ? await engine.copyTo('SELECT * FROM src LIMIT 0', { src: detected.source }, { path: `${snapshot}.schema`, format: 'parquet' })
  : await engine.copyTo('SELECT * FROM src', { src: detected.source }, { path: snapshot, format: 'parquet' });
const importS = (performance.now() - t0) / 1000;
const rec = { id: 'b#1', datasetName: 'b', version: 1, createdAt: 0, sourceUri: csv, format: 'parquet', compression: 'none', columns: copy.columns, rowCount: 0, sourceBytes: 0, dataUri: snapshot, dataBytes: 0, dataSha256: '' } as DatasetVersionRecord;
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
const run = async (label: string, t?: string) => {
  peak = 0;
  const s = performance.now();
  const tempPath = async (suffix: string) => join(tmpdir(), `loam-bench-${process.pid}-${Date.now()}${suffix}`);
  const p = await profileDataset(engine, { path: snapshot, format: 'parquet' }, rec, { tempPath, ...(t ? { target: t } : {}) });
  const col = (n: string) => p.Columns.find((c) => c.Name === n) as Record<string, any> | undefined;
  const names = p.Correlations.Columns;
  console.log(JSON.stringify({
    tool: 'loam', label, seconds: +((performance.now() - s) / 1000).toFixed(2), peakRssMB: Math.round(peak / 2 ** 20), importSeconds: +importS.toFixed(2),
    duplicates: p.DuplicateRows, mean_x1: col('x1')?.['Mean'], p50_x4: col('x4')?.['Quantiles']?.P50, hist_x3: col('x3')?.['Histogram']?.map((b: { Count: number }) => b.Count),
    outliers_x4: col('x4')?.['Outliers'], corr_x1_y: p.Correlations.Pearson[names.indexOf('x1')]?.[names.indexOf('y')], leakage: p.TargetLeakage?.slice(0, 3),
  }));
};
await run('profile');
if (target) await run(`profile, TargetColumn ${target}`, target);
clearInterval(sampler);
