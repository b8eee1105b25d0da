/**
 * Where batch transform time goes, on 200k rows × 20 features, 100 trees: the model's predict on a
 * matrix, the built-in model server's own work (`invoke` on the same 6 MB mini-batches, in process),
 * and the batch driver end to end (model server process + HTTP) with 1 and 2 transforms in flight.
 *   npx tsx --conditions=loam-src bench/transform/driver-profile.ts
 */
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { createMatrix } from '@loam/ml/data/index';
import { trainGbdt } from '@loam/ml/gbdt/index';
import { loadBuiltinPredictor } from '@loam/runtime/model-server/index';
import { runTransform, transformPaths, lineSliceBatches } from '@loam/runtime/batch-transform/index';
const rows = 200_000, cols = 20;
let seed = 5; const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const tx = createMatrix(20000, cols); const ty = new Float64Array(20000);
for (let i = 0; i < 20000; i++) { const v = Array.from({ length: cols }, () => rand()); v.forEach((x, j) => (tx.data[j * 20000 + i] = x)); ty[i] = v[0]! + v[1]! > 1 ? 1 : 0; }
const model = await trainGbdt({ x: tx, y: ty }, { num_round: 100, max_depth: 6, eta: 0.1, objective: 'binary:logistic' });
const lines: string[] = []; for (let i = 0; i < rows; i++) lines.push(Array.from({ length: cols }, () => (Math.round(rand() * 1e4) / 1e4).toString()).join(','));
const buf = Buffer.from(lines.join('\n') + '\n');
const root = mkdtempSync(join(tmpdir(), 'prof-'));
const p = transformPaths(root);
mkdirSync(p.inputDir, { recursive: true }); mkdirSync(p.modelArchiveDir, { recursive: true });
writeFileSync(join(p.inputDir, 'rows.csv'), buf);
const md = mkdtempSync(join(tmpdir(), 'profm-'));
writeFileSync(join(md, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm: 'xgboost', model: model.toJSON() }));
await tar.c({ gzip: true, cwd: md, file: join(p.modelArchiveDir, 'model.tar.gz') }, ['loam-model.json']);
const pred = loadBuiltinPredictor(md);
const m = createMatrix(rows, cols); lines.forEach((l, i) => l.split(',').forEach((v, j) => (m.data[j * rows + i] = Number(v))));
for (let k = 0; k < 2; k++) {
  let t = performance.now(); model.predict(m); const predictS = (performance.now() - t) / 1000;
  t = performance.now(); for (const b of lineSliceBatches(buf, 6 * 1024 * 1024, 'f')) pred.invoke(b.body, 'text/csv', 'text/csv'); const invokeS = (performance.now() - t) / 1000;
  const res: Record<string, number> = {};
  for (const conc of [1, 2]) {
    rmSync(p.outputDir, { recursive: true, force: true });
    t = performance.now();
    await runTransform({ jobName: 'p', splitType: 'Line', assembleWith: 'Line', batchStrategy: 'MultiRecord', maxPayloadInMB: 6, maxConcurrentTransforms: conc, contentType: 'text/csv', accept: 'text/csv',
      invocationsTimeoutSeconds: 600, invocationsMaxRetries: 0, environment: {}, python: 'python3', vcpus: 2,
      container: { image: { type: 'builtin', algorithm: 'xgboost' }, environment: {}, hasModelData: true, hasSourceDir: false } }, p, () => {});
    res[`transform_conc${conc}`] = (performance.now() - t) / 1000;
  }
  console.log(JSON.stringify({ predictS, invokeS, ...res, load: (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').slice(0, 15) }));
}
rmSync(root, { recursive: true, force: true }); rmSync(md, { recursive: true, force: true });
