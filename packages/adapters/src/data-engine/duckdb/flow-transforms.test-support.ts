import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFlow, withQuery, relationOf, sourceNameOf, type FileSource, type FlowNode, type JsonCell } from '@loam/core';
import { DuckDbDataEngine } from './duckdb-data-engine.js';

const dir = mkdtempSync(join(tmpdir(), 'loam-tf-'));
export const engine = new DuckDbDataEngine({ threads: 1, allowedDirectories: [dir] });
let n = 0;

/** A hand-written table: header row then rows, as CSV text with explicit column types. */
export function table(header: string, types: Record<string, string>, ...rows: string[]): FileSource {
  const p = join(dir, `t${++n}.csv`);
  writeFileSync(p, `${header}\n${rows.join('\n')}\n`);
  return { path: p, format: 'csv', csv: { delimiter: ',', quote: '"', escape: '"', header: true, encoding: 'utf-8', columnNames: header.split(',') }, columnTypes: types };
}

/**
 * Runs one transform over one or two tables and returns columns and rows; `order` sorts the result
 * (`ALL` by default) so expectations can be written by hand.
 */
export async function run(transform: string, params: Record<string, unknown>, inputs: FileSource[], order: string | null = 'ALL'): Promise<{ columns: string[]; rows: JsonCell[][] }> {
  const nodes: FlowNode[] = inputs.map((_, i) => ({ id: `s${i}`, type: 'source', dataset: { name: 'x' } }));
  nodes.push({ id: 't', type: 'transform', transform, inputs: inputs.map((_, i) => `s${i}`), params });
  const sources = Object.fromEntries(inputs.map((s, i) => [sourceNameOf(`s${i}`), s]));
  const flow = await compileFlow({ formatVersion: 1, nodes }, { engine, sources });
  const sql = withQuery(flow.steps, relationOf('t'), `SELECT * FROM ${relationOf('t')}${order ? ` ORDER BY ${order}` : ''}`);
  const r = await engine.query(sql, sources, { limit: 1000 });
  return { columns: r.columns.map((c) => c.name), rows: r.rows.map((x) => [...x]) };
}
