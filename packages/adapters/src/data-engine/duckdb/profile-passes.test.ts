import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetVersionRecord, FileSource } from '@loam/core';
import { profileDataset } from '@loam/core/datasets/profile/profile';
import { DuckDbDataEngine } from './duckdb-data-engine.js';

// GetDatasetProfile reads the data a few times, not once per column: it ran a histogram query per
// numeric column, a `SELECT DISTINCT *` for duplicate rows, a correlation query and a stats query
// whose distinct counts made DuckDB run every aggregate several times slower — 10M rows × 12 columns
// took 165 s, 2.5–3.5× pandas computing the same statistics. The statistics are pandas's, exactly
// (correlations to 1e-12): checked against pandas on a generated file with missing values and
// duplicate rows.

const dir = mkdtempSync(join(tmpdir(), 'loam-profile-passes-'));
const csv = join(dir, 'data.csv');
const parquet = join(dir, 'data.parquet');
const engine = new DuckDbDataEngine({ threads: 2 });
let rec: DatasetVersionRecord;
let pandas: Record<string, any>;

beforeAll(async () => {
  const gen = `
import json, sys
import numpy as np, pandas as pd
rng = np.random.default_rng(3); n = 20000
d = pd.DataFrame({'a': np.round(rng.normal(5, 2, n), 3), 'b': np.round(rng.lognormal(0, 1, n), 3), 'k': rng.integers(0, 7, n),
                  'c': np.array(['x', 'y', 'z'], dtype=object)[rng.integers(0, 3, n)]})
d.loc[rng.random(n) < 0.05, 'a'] = np.nan
d.loc[rng.random(n) < 0.02, 'c'] = None
d.iloc[np.arange(0, n, 97)] = d.iloc[np.arange(1, n, 97)].values
d.to_csv(sys.argv[1], index=False)
d = pd.read_csv(sys.argv[1]); num = d[['a', 'b', 'k']]
desc = num.describe(percentiles=[0.05, 0.25, 0.5, 0.75, 0.95]); out = {}
for c in num.columns:
    v = num[c].dropna().to_numpy(); q1, q3 = desc.at['25%', c], desc.at['75%', c]
    out[c] = {'mean': desc.at['mean', c], 'std': desc.at['std', c], 'q': [desc.at[p, c] for p in ['5%', '25%', '50%', '75%', '95%']],
              'hist': np.histogram(v, bins=10)[0].tolist(), 'outliers': int(((v < q1 - 1.5 * (q3 - q1)) | (v > q3 + 1.5 * (q3 - q1))).sum())}
print(json.dumps({'cols': out, 'missing': d.isna().sum().to_dict(), 'distinct': d.nunique().to_dict(), 'dups': int(d.duplicated().sum()),
                  'corr': num.corr().values.tolist(), 'top': d['c'].value_counts().to_dict()}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', gen, csv], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`pandas failed: ${r.stderr}`);
  pandas = JSON.parse(r.stdout) as Record<string, any>;
  const copy = await engine.copyTo('SELECT * FROM src', { src: { path: csv, format: 'csv', csv: { delimiter: ',', quote: '"', escape: '"', header: true, columnNames: ['a', 'b', 'k', 'c'], encoding: 'utf-8' } } }, { path: parquet, format: 'parquet' });
  rec = { id: 'd#1', datasetName: 'd', version: 1, createdAt: 0, sourceUri: csv, format: 'csv', compression: 'none', columns: copy.columns, rowCount: copy.rowCount, sourceBytes: 0, dataUri: parquet, dataBytes: 0, dataSha256: '' } as DatasetVersionRecord;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('profileDataset', () => {
  it('reads the data in four statements (one more per categorical column), not one per column', async () => {
    const statements: string[] = [];
    const counted = Object.create(engine) as DuckDbDataEngine;
    counted.query = (sql, sources, options) => {
      statements.push(sql);
      return engine.query(sql, sources, options);
    };
    const source: FileSource = { path: parquet, format: 'parquet' };
    await profileDataset(counted, source, rec);
    // stats and correlations; distinct counts and duplicates; histograms and outliers; top values of c
    expect(statements).toHaveLength(4);
  });

  it('answers pandas’s statistics: quantiles, histograms, outliers, distinct, missing, duplicates, correlations', async () => {
    const p = await profileDataset(engine, { path: parquet, format: 'parquet' }, rec);
    expect(p.RowCount).toBe(20000);
    expect(p.DuplicateRows).toBe(pandas['dups']);
    expect(pandas['dups']).toBeGreaterThan(100);
    for (const c of p.Columns) {
      expect({ c: c.Name, missing: c.Missing, distinct: c.Distinct }).toEqual({ c: c.Name, missing: pandas['missing'][c.Name], distinct: pandas['distinct'][c.Name] });
      const want = pandas['cols'][c.Name];
      if (!want) {
        expect(Object.fromEntries((c.TopValues ?? []).map((t) => [t.Value, t.Count]))).toEqual(pandas['top']);
        continue;
      }
      expect(c.Mean).toBeCloseTo(want.mean, 10);
      expect(c.Std).toBeCloseTo(want.std, 10);
      const qs = c.Quantiles!;
      [qs.P05, qs.P25, qs.P50, qs.P75, qs.P95].forEach((v, i) => expect(v).toBeCloseTo(want.q[i], 10));
      expect({ c: c.Name, hist: c.Histogram?.map((b) => b.Count), outliers: c.Outliers }).toEqual({ c: c.Name, hist: want.hist, outliers: want.outliers });
    }
    expect(p.Correlations.Columns).toEqual(['a', 'b', 'k']);
    p.Correlations.Pearson.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(pandas['corr'][i][j], 12)));
  });
});

describe('target leakage', () => {
  it('draws its sample once into a file: the same scores as drawing it in each feature’s query', async () => {
    const source: FileSource = { path: parquet, format: 'parquet' };
    const inline = await profileDataset(engine, source, rec, { target: 'k' });
    const paths: string[] = [];
    const statements: string[] = [];
    const counted = Object.create(engine) as DuckDbDataEngine;
    counted.query = (sql, sources, options) => {
      statements.push(sql);
      return engine.query(sql, sources, options);
    };
    const drawn = await profileDataset(counted, source, rec, { target: 'k', tempPath: async (suffix) => { paths.push(join(dir, `sample-${paths.length}${suffix}`)); return paths.at(-1)!; } });
    expect(drawn.TargetLeakage?.map((l) => l.Column).sort()).toEqual(['a', 'b', 'c']);
    // The same scores: DuckDB's parallel sums may differ in the last bit, so each score to 12 digits.
    const rounded = (ls: typeof drawn.TargetLeakage) => ls?.map((l) => ({ ...l, Score: Number(l.Score.toPrecision(12)) }));
    expect(rounded(drawn.TargetLeakage)).toEqual(rounded(inline.TargetLeakage));
    expect(paths).toHaveLength(1);
    expect(statements.filter((s) => s.includes('USING SAMPLE'))).toEqual([]);
    expect(existsSync(paths[0]!)).toBe(false);
  });
});
