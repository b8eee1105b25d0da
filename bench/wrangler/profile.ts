/**
 * Profiling aid for bench/wrangler (not part of the timed comparison): times the pieces of a flow run
 * on one input — reading only, read → CSV write, the compile (fit) phase and the compiled flow — and
 * prints DuckDB's EXPLAIN ANALYZE of the flow. Run: node_modules/.bin/tsx bench/wrangler/profile.ts CSV_PATH [csv|parquet] [MEMORY_LIMIT]
 */
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { FileSource } from '../../packages/core/src/ports/data-engine.js';
import { compileFlow, relationOf, sourceNameOf, withQuery } from '../../packages/core/src/datasets/flows/flow-compiler.js';
import type { FlowDocument } from '../../packages/core/src/datasets/flows/flow-document.js';
import { DuckDbDataEngine } from '../../packages/adapters/src/data-engine/duckdb/duckdb-data-engine.js';
import { flowDocument } from './flow.js';

const [csvPath, mode = 'parquet', memoryLimit] = process.argv.slice(2);
if (!csvPath) throw new Error('usage: profile.ts CSV_PATH [csv|parquet] [MEMORY_LIMIT]');
const engine = new DuckDbDataEngine({ tempDirectory: tmpdir(), ...(memoryLimit ? { memoryLimit } : {}) });
const columnNames = ['id', 'a', 'b', 'c', 'cat', 'txt', 'y'];
const csvSource: FileSource = { path: csvPath, format: 'csv', csv: { delimiter: ',', quote: '"', escape: '"', header: true, columnNames, encoding: 'utf-8' } };
const snapshot = `${csvPath}.snapshot.parquet`;
if (mode === 'parquet' && !existsSync(snapshot)) await engine.copyTo('SELECT * FROM s', { s: csvSource }, { path: snapshot, format: 'parquet' });
const src: FileSource = mode === 'parquet' ? { path: snapshot, format: 'parquet' } : csvSource;
const sources = { [sourceNameOf('src')]: src };
const out = join(tmpdir(), `wrangler-profile-${process.pid}.csv`);
const time = async (label: string, f: () => Promise<unknown>) => {
  const t0 = performance.now();
  const r = await f();
  console.log(JSON.stringify({ label, seconds: +((performance.now() - t0) / 1000).toFixed(2), rssMB: Math.round(process.memoryUsage().rss / 2 ** 20) }));
  return r;
};
await time('read all columns (count)', () => engine.query(`SELECT ${columnNames.map((c) => `count(${c})`).join(', ')} FROM src_src`, sources));
await time('read -> csv', () => engine.copyTo('SELECT * FROM src_src', sources, { path: out, format: 'csv' }));
const flow = (await time('compile (fit phase)', () => compileFlow(flowDocument() as unknown as FlowDocument, { engine, sources }))) as Awaited<ReturnType<typeof compileFlow>>;
const sql = withQuery(flow.steps, relationOf('out'));
await time('flow -> csv', () => engine.copyTo(sql, sources, { path: out, format: 'csv' }));
if (process.env['EXPLAIN']) {
  const db = await DuckDBInstance.create(':memory:', { temp_directory: tmpdir(), ...(memoryLimit ? { memory_limit: memoryLimit } : {}) });
  const c = await db.connect();
  await c.run(`CREATE VIEW src_src AS SELECT * FROM read_parquet('${snapshot}')`);
  const r = await c.runAndReadAll(`EXPLAIN ANALYZE COPY (${sql}) TO '${out}' (FORMAT csv)`);
  console.log(String(r.getRowsJson()[0]?.[1]));
}
rmSync(out, { force: true });
console.log(JSON.stringify({ maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
