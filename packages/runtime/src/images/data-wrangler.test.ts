import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbDataEngine } from '@loam/adapters/data-engine/duckdb/duckdb-data-engine';
import type { FlowJobDocument } from '@loam/core/datasets/flows/flow-run-job';
import { dataWranglerMain, runDataWrangler } from './data-wrangler.js';

// The image on its own, in-process, on a job directory laid out as the runner lays it out: the
// staged source under processing/input/source-src/, the document under processing/input/flow/.
let root: string;
const engine = new DuckDbDataEngine({ threads: 1 });

function layOut(doc: FlowJobDocument): void {
  rmSync(join(root, 'processing', 'output'), { recursive: true, force: true });
  mkdirSync(join(root, 'processing', 'input', 'flow'), { recursive: true });
  writeFileSync(join(root, 'processing', 'input', 'flow', 'flow.json'), JSON.stringify(doc));
}

const doc = (over: Partial<FlowJobDocument> = {}): FlowJobDocument => ({
  format: 'loam.flow-job', version: 1, flowName: 'f', flowVersion: 3,
  definition: {
    formatVersion: 1,
    nodes: [
      { id: 'src', type: 'source', dataset: { name: 'd' } },
      { id: 'big', type: 'transform', transform: 'filter_rows', inputs: ['src'], params: { condition: 'x >= 2' } },
      { id: 'out', type: 'destination', inputs: ['big'], output: { s3Uri: 's3://b/out/', format: 'csv', header: false } },
    ],
  },
  sources: { src: { path: '/opt/ml/processing/input/source-src/data.parquet', format: 'parquet' } },
  destinations: { out: { path: '/opt/ml/processing/output/out/part-0.csv', format: 'csv', header: false } },
  manifest: '/opt/ml/processing/output/manifest/manifest.json',
  ...over,
});

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'loam-dw-'));
  mkdirSync(join(root, 'output'), { recursive: true });
  const dir = join(root, 'processing', 'input', 'source-src');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'x.csv'), 'x,name\n1,a\n2,b\n3,c\n');
  await engine.copyTo('SELECT * FROM s', { s: { path: join(dir, 'x.csv'), format: 'csv', csv: { delimiter: ',', quote: '"', escape: '"', header: true, columnNames: ['x', 'name'], encoding: 'utf-8' }, columnTypes: { x: 'BIGINT' } } }, { path: join(dir, 'data.parquet'), format: 'parquet' });
  rmSync(join(dir, 'x.csv'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('data-wrangler image', () => {
  it('runs the flow from the job document, writes each destination and the manifest, logging progress', async () => {
    layOut(doc());
    const lines: string[] = [];
    const manifest = await runDataWrangler(root, engine, (l) => lines.push(l));
    expect(readFileSync(join(root, 'processing', 'output', 'out', 'part-0.csv'), 'utf8')).toBe('2,b\n3,c\n');
    expect(manifest).toEqual({ format: 'loam.flow-run-manifest', version: 1, outputs: [{ nodeId: 'out', rowCount: 2, bytes: 8 }] });
    expect(JSON.parse(readFileSync(join(root, 'processing', 'output', 'manifest', 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(lines[0]).toBe("data-wrangler: flow 'f' version 3: 3 nodes, 1 source(s), 1 destination(s).");
    expect(lines).toContainEqual(expect.stringMatching(/^data-wrangler: destination 'out': 2 rows, 2 columns, /));
  });

  it('fails with a ClientError in output/failure (exit 2) for a flow that does not bind', async () => {
    const bad = doc();
    layOut({ ...bad, definition: { ...bad.definition, nodes: bad.definition.nodes.map((n) => (n.id === 'big' ? { ...n, params: { condition: 'nope > 1' } } : n)) } });
    const code = await dataWranglerMain(root);
    expect(code).toBe(2);
    expect(readFileSync(join(root, 'output', 'failure'), 'utf8')).toMatch(/^ClientError: .*nope/s);
    expect(existsSync(join(root, 'processing', 'output', 'out', 'part-0.csv'))).toBe(false);
    expect(existsSync(join(root, 'processing', 'output', 'manifest', 'manifest.json'))).toBe(false);
  });

  it('fails with a ClientError naming the document when it is not a flow job document', async () => {
    layOut({ ...doc(), format: 'something-else' } as unknown as FlowJobDocument);
    expect(await dataWranglerMain(root)).toBe(2);
    expect(readFileSync(join(root, 'output', 'failure'), 'utf8')).toBe("ClientError: /opt/ml/processing/input/flow/flow.json is not a Loam flow job document (format 'loam.flow-job', version 1).");
  });

  it('refuses a flow expression that would read a file (a subquery over read_csv), naming the node', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'loam-dw-outside-'));
    writeFileSync(join(outside, 'secret.csv'), 'a\n1\n');
    try {
      const d = doc();
      layOut({ ...d, definition: { ...d.definition, nodes: d.definition.nodes.map((n) => (n.id === 'big' ? { ...n, transform: 'custom_formula', params: { to: 'leak', expression: `(SELECT count(*) FROM read_csv('${join(outside, 'secret.csv')}'))` } } : n)) } });
      expect(await dataWranglerMain(root)).toBe(2);
      expect(readFileSync(join(root, 'output', 'failure'), 'utf8')).toMatch(/^ClientError: Flow node 'big': param 'expression' must be a scalar SQL expression over the row; it may not use a subquery/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
