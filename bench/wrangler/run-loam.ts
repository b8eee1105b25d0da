/**
 * Loam side of bench/wrangler: the 10-step flow compiled to DuckDB SQL and run by the DataEngine
 * adapter over the CSV (read → 10 steps → CSV written), then the preview of step 5 on a 50,000-row
 * sample (what PreviewFlow does once the sample is cached: compile up to the step, query 100 rows).
 * Prints one JSON line. Run: node_modules/.bin/tsx bench/wrangler/run-loam.ts CSV_PATH [csv|parquet] [MEMORY_LIMIT]
 *   csv (default): the flow reads the CSV, as pandas does. parquet: the CSV is first imported to a
 *   Parquet snapshot (timed apart, as `importSeconds`), and the flow reads it — what a flow run does.
 *   MEMORY_LIMIT: the engine's memory limit (e.g. 2GB or 80%; default the adapter's, 1GB), spilling past it.
 *   fitSeconds: the compile, i.e. fitting the statistics (part of fullSeconds).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileSource } from '../../packages/core/src/ports/data-engine.js';
import { compileFlow, relationOf, sourceNameOf, withQuery } from '../../packages/core/src/datasets/flows/flow-compiler.js';
import type { FlowDocument } from '../../packages/core/src/datasets/flows/flow-document.js';
import { DuckDbDataEngine } from '../../packages/adapters/src/data-engine/duckdb/duckdb-data-engine.js';
import { flowDocument } from './flow.js';

const [csvPath, mode = 'csv', memoryLimit] = process.argv.slice(2);
if (!csvPath) throw new Error('usage: run-loam.ts CSV_PATH [csv|parquet] [MEMORY_LIMIT]');
const engine = new DuckDbDataEngine({ tempDirectory: tmpdir(), ...(memoryLimit ? { memoryLimit } : {}) });
const columnNames = ['id', 'a', 'b', 'c', 'cat', 'txt', 'y'];
const csvSource: FileSource = { path: csvPath, format: 'csv', csv: { delimiter: ',', quote: '"', escape: '"', header: true, columnNames, encoding: 'utf-8' } };
const snapshot = join(tmpdir(), `wrangler-bench-${process.pid}.snapshot.parquet`);
let importSeconds: number | undefined;
if (mode === 'parquet') {
  const i0 = performance.now();
  await engine.copyTo('SELECT * FROM s', { s: csvSource }, { path: snapshot, format: 'parquet' });
  importSeconds = +((performance.now() - i0) / 1000).toFixed(2);
}
const src: FileSource = mode === 'parquet' ? { path: snapshot, format: 'parquet' } : csvSource;
const doc = flowDocument() as unknown as FlowDocument;
const sources = { [sourceNameOf('src')]: src };
const out = join(tmpdir(), `wrangler-bench-${process.pid}.csv`);
const sampleOut = join(tmpdir(), `wrangler-bench-${process.pid}.sample.parquet`);

const t0 = performance.now();
const flow = await compileFlow(doc, { engine, sources });
const compileS = (performance.now() - t0) / 1000;
const res = await engine.copyTo(withQuery(flow.steps, relationOf('out')), sources, { path: out, format: 'csv' });
const fullS = (performance.now() - t0) / 1000;
const check = await engine.query(`SELECT count(*) AS n, round(sum(ab), 2) AS sum_ab, round(sum(c), 4) AS sum_c, sum(cat_red) AS red FROM read_csv_auto('${out}')`, {});

// Preview: a seeded 50k-row reservoir sample (written once per version, as the service caches it).
await engine.copyTo(`SELECT * FROM src USING SAMPLE reservoir(50000 ROWS) REPEATABLE (1)`, { src }, { path: sampleOut, format: 'parquet' });
const sample = { [sourceNameOf('src')]: { path: sampleOut, format: 'parquet' } as FileSource };
const previews: number[] = [];
for (const step of ['s5', 's9', 's10', 's5', 's9']) {
  const p0 = performance.now();
  const f = await compileFlow(doc, { engine, sources: sample, upTo: step });
  await engine.query(withQuery(f.steps, relationOf(step)), sample, { limit: 100 });
  previews.push(performance.now() - p0);
}
rmSync(out, { force: true });
rmSync(sampleOut, { force: true });
rmSync(snapshot, { force: true });
console.log(JSON.stringify({
  tool: 'loam-duckdb', source: mode, memoryLimit: memoryLimit ?? 'default (1GB)', importSeconds, rowsOut: res.rowCount, fullSeconds: +fullS.toFixed(2), fitSeconds: +compileS.toFixed(2), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  previewMs: previews.map((x) => Math.round(x)), check: check.rows[0],
}));
