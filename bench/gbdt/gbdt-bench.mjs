#!/usr/bin/env node
// GBDT benchmark: Loam's trainGbdt vs XGBoost 1.7 `hist` on clf_1m_50 (800k train / 200k test, 50
// features), 100 rounds, depth 6, eta 0.1, 256 bins; fit time, test AUC, peak RSS, predict latency.
//
// usage:  cd /work/main && npm run build   (or: node node_modules/typescript7/bin/tsc -b packages/ml)
//         BENCH_DATA=bench/.data /usr/bin/python3 bench/gbdt/gen_clf_data.py     # once, ~75 s
//         node bench/gbdt/gbdt-bench.mjs [REPS=3] [THREADS=2]
// Each repetition runs the XGBoost peer (bench/gbdt/xgb_peer.py) and then Loam, each in its own
// process (so peak RSS is per run), back to back; prints JSON lines and a summary of minima.
import { spawnSync } from 'node:child_process';
import { openSync, readSync, closeSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = process.env.BENCH_DATA ?? join(here, '..', '.data');

/** Reads a 2-D little-endian float32 .npy (C or Fortran order) into memory. */
function readNpy(path) {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(4096);
  readSync(fd, head, 0, 4096, 0);
  const hlen = head.readUInt16LE(8);
  const header = head.toString('latin1', 10, 10 + hlen);
  if (!header.includes("'<f4'")) throw new Error(`${path}: expected float32`);
  const fortran = header.includes("'fortran_order': True");
  const [rows, cols] = /\((\d+), (\d+)\)/.exec(header).slice(1).map(Number);
  const buf = new Float32Array(rows * cols);
  const bytes = new Uint8Array(buf.buffer);
  let off = 0;
  while (off < bytes.length) off += readSync(fd, bytes, off, Math.min(1 << 26, bytes.length - off), 10 + hlen + off);
  closeSync(fd);
  return { rows, cols, data: buf, fortran };
}

async function child(threads) {
  const { trainGbdt } = await import('../../packages/ml/dist/gbdt/index.js');
  const { rocAuc } = await import('../../packages/ml/dist/metrics/index.js');
  const M = readNpy(join(dataDir, 'clf_1m_50.npy'));
  const nTrain = 800_000;
  const d = M.cols - 1;
  const split = (r0, r1, shared) => {
    const n = r1 - r0;
    const x = new Float32Array(shared ? new SharedArrayBuffer(n * d * 4) : new ArrayBuffer(n * d * 4));
    const y = new Float64Array(n);
    // Element (i, j) of the file: C order at i * cols + j, Fortran order at j * rows + i.
    const at = M.fortran ? (i, j) => j * M.rows + i : (i, j) => i * M.cols + j;
    for (let i = 0; i < n; i++) y[i] = M.data[at(r0 + i, 0)];
    if (M.fortran) for (let j = 0; j < d; j++) x.set(M.data.subarray((j + 1) * M.rows + r0, (j + 1) * M.rows + r1), j * n);
    else for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[j * n + i] = M.data[at(r0 + i, j + 1)];
    return { x: { rows: n, cols: d, data: x }, y };
  };
  const train = split(0, nTrain, true);
  const test = split(nTrain, M.rows, false);
  const params = { objective: 'binary:logistic', num_round: '100', max_depth: '6', eta: '0.1', max_bin: '256', seed: '0', nthread: String(threads) };
  const t0 = performance.now();
  const model = await trainGbdt(train, params, { threads });
  const fit = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  const t1 = performance.now();
  const p = model.predict(test.x);
  const pred200k = (performance.now() - t1) / 1000;
  const auc = rocAuc(test.y, p);
  const row = new Float32Array(d);
  for (let j = 0; j < d; j++) row[j] = test.x.data[j * test.x.rows];
  const rows1000 = { rows: 1000, cols: d, data: new Float32Array(1000 * d) };
  for (let j = 0; j < d; j++) rows1000.data.set(test.x.data.subarray(j * test.x.rows, j * test.x.rows + 1000), j * 1000);
  const median = (fn, reps) => {
    for (let i = 0; i < Math.min(50, reps); i++) fn();
    const ts = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      fn();
      ts.push(performance.now() - t);
    }
    ts.sort((a, b) => a - b);
    return ts[ts.length >> 1];
  };
  const res = {
    impl: `loam trainGbdt threads=${threads}`,
    fit_s: +fit.toFixed(2),
    cpu_user_s_after_fit: +(cpu.user / 1e6).toFixed(2),
    test_auc: +auc.toFixed(5),
    predict_200k_s: +pred200k.toFixed(3),
    predict_1row_ms: +median(() => model.predictRow(row), 2000).toFixed(4),
    predict_1000rows_ms: +median(() => model.predict(rows1000), 200).toFixed(3),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(JSON.stringify(res));
}

function runOnce(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, BENCH_DATA: dataDir, ...env }, maxBuffer: 1 << 24 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(line);
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3] ?? 2));
} else {
  const reps = Number(process.argv[2] ?? 3);
  const threads = Number(process.argv[3] ?? 2);
  const ours = [];
  const peer = [];
  for (let r = 0; r < reps; r++) {
    const load = readFileSync('/proc/loadavg', 'utf8').trim();
    const px = runOnce('/usr/bin/python3', [join(here, 'xgb_peer.py'), String(threads)], { OMP_NUM_THREADS: String(threads) });
    console.log(JSON.stringify({ rep: r, loadavg_before: load, ...px }));
    peer.push(px);
    const load2 = readFileSync('/proc/loadavg', 'utf8').trim();
    const lx = runOnce(process.execPath, [fileURLToPath(import.meta.url), '--child', String(threads)]);
    console.log(JSON.stringify({ rep: r, loadavg_before: load2, ...lx }));
    ours.push(lx);
  }
  const min = (a, k) => Math.min(...a.map((x) => x[k]));
  const summary = {};
  for (const k of ['fit_s', 'cpu_user_s_after_fit', 'predict_200k_s', 'predict_1row_ms', 'predict_1000rows_ms', 'peak_rss_mb']) {
    summary[k] = { loam_min: min(ours, k), xgboost_min: min(peer, k), ratio: +(min(ours, k) / min(peer, k)).toFixed(2) };
  }
  summary.test_auc = { loam: ours[0].test_auc, xgboost: peer[0].test_auc, diff: +(ours[0].test_auc - peer[0].test_auc).toFixed(5) };
  console.log(JSON.stringify({ summary }, null, 1));
}
