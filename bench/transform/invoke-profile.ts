/**
 * The built-in model server's work on one 200k-row CSV, split into its steps on the same 6 MB
 * mini-batches: CSV parse, the GBDT's batch predict, CSV encode (and invoke as a whole), against the
 * model's predict on the whole matrix. In process, one thread.
 *   npx tsx --conditions=loam-src bench/transform/invoke-profile.ts [ROWS=200000]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMatrix } from '@loam/ml/data/index';
import { trainGbdt } from '@loam/ml/gbdt/index';
import { loadBuiltinPredictor, parseRows } from '@loam/runtime/model-server/index';
import { lineSliceBatches } from '@loam/runtime/batch-transform/index';

const rows = Number(process.argv[2] ?? 200_000);
const cols = 20;
let seed = 5;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const tx = createMatrix(20000, cols);
const ty = new Float64Array(20000);
for (let i = 0; i < 20000; i++) {
  const v = Array.from({ length: cols }, () => rand());
  v.forEach((x, j) => (tx.data[j * 20000 + i] = x));
  ty[i] = (v[0] as number) + (v[1] as number) > 1 ? 1 : 0;
}
const model = await trainGbdt({ x: tx, y: ty }, { num_round: 100, max_depth: 6, eta: 0.1, objective: 'binary:logistic' });
const lines: string[] = [];
for (let i = 0; i < rows; i++) lines.push(Array.from({ length: cols }, () => (Math.round(rand() * 1e4) / 1e4).toString()).join(','));
const buf = Buffer.from(`${lines.join('\n')}\n`);
const m = createMatrix(rows, cols);
lines.forEach((l, i) => l.split(',').forEach((v, j) => (m.data[j * rows + i] = Number(v))));
const md = mkdtempSync(join(tmpdir(), 'loam-invoke-profile-'));
writeFileSync(join(md, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm: 'xgboost', model: model.toJSON() }));
const batch = loadBuiltinPredictor(md, { batch: true });
rmSync(md, { recursive: true, force: true });
const batches = [...lineSliceBatches(buf, 6 * 1024 * 1024, 'f')];
const time = (f: () => void) => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
for (let k = 0; k < 3; k++) {
  const predictS = time(() => model.predict(m));
  const parsed = batches.map((b) => parseRows('csv', b.body, cols));
  const parseS = time(() => batches.forEach((b) => parseRows('csv', b.body, cols)));
  const invokeS = time(() => batches.forEach((b) => batch.invoke(b.body, 'text/csv', 'text/csv')));
  let out: Float64Array[] = [];
  const batchPredictS = time(() => {
    out = parsed.map((p) => {
      const x = createMatrix(p.count, cols);
      for (let i = 0; i < p.count; i++) for (let j = 0; j < cols; j++) x.data[j * p.count + i] = p.values[i * cols + j] as number;
      return model.predict(x);
    });
  });
  const encodeS = time(() => out.forEach((o) => {
    let s = '';
    for (let i = 0; i < o.length; i++) s += `${String(o[i])}\n`;
    Buffer.byteLength(s);
  }));
  process.stdout.write(`${JSON.stringify({ rows, batches: batches.length, predictS, invokeS, parseS, batchPredictS, encodeS, loadavg: readFileSync('/proc/loadavg', 'utf8').slice(0, 15) })}\n`);
}
