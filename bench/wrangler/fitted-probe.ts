/**
 * Diagnosis for bench/wrangler: the same 10 steps with their statistics fitted first (one aggregate
 * query per dependency level) and written into the SQL as literals, instead of the window aggregates
 * (`avg(x) OVER ()`) the flow compiler emits, which make DuckDB materialize the whole relation at
 * every scaler/imputer step. Output checksums must equal run-loam.ts's.
 * Run: node_modules/.bin/tsx bench/wrangler/fitted-probe.ts CSV_PATH [csv|parquet]
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileSource } from '../../packages/core/src/ports/data-engine.js';
import { DuckDbDataEngine } from '../../packages/adapters/src/data-engine/duckdb/duckdb-data-engine.js';

const [csvPath, mode = 'csv'] = process.argv.slice(2);
if (!csvPath) throw new Error('usage: fitted-probe.ts CSV_PATH [csv|parquet]');
const engine = new DuckDbDataEngine({ tempDirectory: tmpdir() });
const csv: FileSource = { path: csvPath, format: 'csv', csv: { delimiter: ',', quote: '"', escape: '"', header: true, columnNames: ['id', 'a', 'b', 'c', 'cat', 'txt', 'y'], encoding: 'utf-8' } };
const snapshot = join(tmpdir(), `wrangler-probe-${process.pid}.parquet`);
if (mode === 'parquet') await engine.copyTo('SELECT * FROM s', { s: csv }, { path: snapshot, format: 'parquet' });
const s = { s: mode === 'parquet' ? ({ path: snapshot, format: 'parquet' } as FileSource) : csv };
const out = join(tmpdir(), `wrangler-probe-${process.pid}.csv`);

const t0 = performance.now();
const one = async (sql: string) => (await engine.query(sql, s)).rows[0] as number[];
// Literals typed DOUBLE: a bare 0.1234… literal is a DECIMAL in DuckDB and overflows in arithmetic.
const d = (x: number | undefined) => `${x}::DOUBLE`;
const [ma, mb, sb, mc, sc] = (await one('SELECT avg(a), avg(b), stddev_pop(b), avg(c), stddev_pop(c) FROM s')).map(d);
const cats = (await engine.query(`SELECT coalesce(cat, 'unknown') FROM s GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 20`, s)).rows.map((r) => String(r[0])).sort();
const upToFilter = `SELECT coalesce(a, ${ma}) AS a, (b - ${mb}) / ${sb} AS b, greatest(least(c, ${mc} + 3 * ${sc}), ${mc} - 3 * ${sc}) AS c,
  lower(txt) AS txt, y, ${cats.map((c) => `(coalesce(cat, 'unknown') = '${c}')::INT AS "cat_${c.toLowerCase()}"`).join(', ')},
  coalesce(a, ${ma}) * ((b - ${mb}) / ${sb}) AS ab FROM s`;
const filtered = `SELECT * FROM (${upToFilter}) WHERE y = 1 OR ab > 0`;
const [lo, hi] = (await one(`SELECT min(c), max(c) FROM (${filtered})`)).map(d);
const res = await engine.copyTo(`SELECT * REPLACE ((c - ${lo}) / (${hi} - ${lo}) AS c) FROM (${filtered})`, s, { path: out, format: 'csv' });
const fullS = (performance.now() - t0) / 1000;
const check = await engine.query(`SELECT count(*), round(sum(ab), 2), round(sum(c), 4), sum(cat_red) FROM read_csv_auto('${out}')`, {});
rmSync(out, { force: true });
rmSync(snapshot, { force: true });
console.log(JSON.stringify({ tool: 'duckdb-fitted-literals', source: mode, rowsOut: res.rowCount, fullSeconds: +fullS.toFixed(2), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), check: check.rows[0] }));
