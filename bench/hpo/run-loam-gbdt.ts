/**
 * The "real task" of issue 8 with one objective for every tuner: Loam's GBDT (`trainGbdt`, the model Loam's
 * built-in algorithm trains) on rows [0, 100k) of clf_1m_50 — train = first 80k, validation = next 20k —
 * 50 rounds, 256 bins, seed 0, one thread per trial; objective = validation AUC (`rocAuc`), maximised.
 * Search space, data and split are those of the shared /work/shared/bench/hpo/hpo_xgb.py: eta 0.01–0.5 log,
 * max_depth 3–10, min_child_weight 1–100 log, subsample 0.5–1, lambda 1e-3–100 log.
 *
 * Tuners: `loam-bayesian` / `loam-random` are the strategies tuning jobs use (`createSearchStrategy` over
 * `parseParameterRanges`, one suggestion at a time); `optuna-tpe` / `optuna-random` are Optuna 3.1's samplers
 * run by /usr/bin/python3 bench/hpo/optuna_ask_tell.py, which asks for a configuration, prints it, and reads
 * back the value this process measured (ask/tell samples exactly as `study.optimize`).
 *
 * Run: BENCH_DATA=bench/.data node_modules/.bin/tsx bench/hpo/run-loam-gbdt.ts TUNER SEED_FROM SEED_TO [TRIALS=40]
 * Appends one JSON line per seed to $BENCH_OUT/hpo_gbdt_curves.jsonl (default bench/.data), in the shape of
 * the shared hpo_xgb.py's lines plus `model`; summarise with bench/hpo/summarise-gbdt.mjs.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LabeledData } from '../../packages/ml/src/data/matrix.js';
import { trainGbdt } from '../../packages/ml/src/gbdt/train.js';
import { rocAuc } from '../../packages/ml/src/metrics/ranking.js';
import { createSearchStrategy } from '../../packages/ml/src/tuning/create-strategy.js';
import { parseParameterRanges } from '../../packages/ml/src/tuning/parameter-ranges.js';
import type { Configuration } from '../../packages/ml/src/tuning/search-space.js';
import type { TrialRecord } from '../../packages/ml/src/tuning/strategy.js';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = process.env['BENCH_DATA'] ?? join(here, '..', '.data');
const outDir = process.env['BENCH_OUT'] ?? join(here, '..', '.data');
const [tuner = 'loam-bayesian', fromArg = '0', toArg = '1', trialsArg = '40'] = process.argv.slice(2);
const TUNERS = ['loam-bayesian', 'loam-random', 'optuna-tpe', 'optuna-random'];
if (!TUNERS.includes(tuner)) throw new Error(`TUNER must be one of ${TUNERS.join(', ')}; got '${tuner}'`);
const trials = Number(trialsArg);

/** Rows [r0, r1) of a 2-D little-endian float32 .npy (C or Fortran order), label in column 0, as column-major data. */
function readRows(path: string, r0: number, r1: number): LabeledData {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(4096);
  readSync(fd, head, 0, 4096, 0);
  const hlen = head.readUInt16LE(8);
  const header = head.toString('latin1', 10, 10 + hlen);
  if (!header.includes("'<f4'")) throw new Error(`${path}: expected a float32 matrix`);
  const fortran = header.includes("'fortran_order': True");
  const [rows, cols] = /\((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number) as [number, number];
  const n = r1 - r0;
  const read = (into: Float32Array, at: number): void => {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    let off = 0;
    while (off < bytes.length) off += readSync(fd, bytes, off, bytes.length - off, 10 + hlen + at * 4 + off);
  };
  const d = cols - 1;
  const x = new Float32Array(n * d);
  const y = new Float64Array(n);
  if (fortran) {
    // Column j holds rows contiguously: element (i, j) at j · rows + i.
    const col = new Float32Array(n);
    read(col, r0);
    y.set(col);
    for (let j = 0; j < d; j++) read(x.subarray(j * n, (j + 1) * n), (j + 1) * rows + r0);
  } else {
    const raw = new Float32Array(n * cols);
    read(raw, r0 * cols);
    for (let i = 0; i < n; i++) {
      y[i] = raw[i * cols] as number;
      for (let j = 0; j < d; j++) x[j * n + i] = raw[i * cols + j + 1] as number;
    }
  }
  closeSync(fd);
  return { x: { rows: n, cols: d, data: x }, y };
}

const file = join(dataDir, 'clf_1m_50.npy');
const train = readRows(file, 0, 80_000);
const valid = readRows(file, 80_000, 100_000);

async function objective(c: Configuration): Promise<number> {
  const params = {
    objective: 'binary:logistic', num_round: 50, max_bin: 256, seed: 0, nthread: 1,
    eta: c['eta'] as number, max_depth: c['max_depth'] as number, min_child_weight: c['min_child_weight'] as number,
    subsample: c['subsample'] as number, lambda: c['lambda'] as number,
  };
  const model = await trainGbdt(train, params, { threads: 1 });
  return rocAuc(valid.y, model.predict(valid.x));
}

/** The same ranges as SageMaker `ParameterRanges` (what a tuning job of this search would send). */
const ranges = parseParameterRanges(
  {
    IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '3', MaxValue: '10', ScalingType: 'Linear' }],
    ContinuousParameterRanges: [
      { Name: 'eta', MinValue: '0.01', MaxValue: '0.5', ScalingType: 'Logarithmic' },
      { Name: 'min_child_weight', MinValue: '1', MaxValue: '100', ScalingType: 'Logarithmic' },
      { Name: 'subsample', MinValue: '0.5', MaxValue: '1', ScalingType: 'Linear' },
      { Name: 'lambda', MinValue: '0.001', MaxValue: '100', ScalingType: 'Logarithmic' },
    ],
  },
  tuner === 'loam-random' ? 'Random' : 'Bayesian',
);

async function studyLoam(seed: number): Promise<TrialRecord[]> {
  const strategy = createSearchStrategy(tuner === 'loam-random' ? 'Random' : 'Bayesian', { ranges, objective: 'Maximize', seed });
  const history: TrialRecord[] = [];
  while (history.length < trials) {
    const [config] = strategy.suggest({ history, count: 1 });
    if (!config) break;
    history.push({ config, state: 'complete', value: await objective(config) });
  }
  return history;
}

let optunaVersion = '';
async function studyOptuna(seed: number): Promise<TrialRecord[]> {
  const child = spawn('/usr/bin/python3', [join(here, 'optuna_ask_tell.py'), tuner.replace('optuna-', ''), String(seed), String(trials)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const history: TrialRecord[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const msg = JSON.parse(line) as { params: Configuration; optuna: string };
    optunaVersion = msg.optuna;
    const value = await objective(msg.params);
    history.push({ config: msg.params, state: 'complete', value });
    child.stdin.write(`${value}\n`);
    if (history.length === trials) child.stdin.end();
  }
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
  if (code !== 0 || history.length !== trials) throw new Error(`optuna_ask_tell.py exited with ${code} after ${history.length} trials`);
  return history;
}

for (let seed = Number(fromArg); seed < Number(toArg); seed++) {
  const t0 = performance.now();
  const history = tuner.startsWith('loam') ? await studyLoam(seed) : await studyOptuna(seed);
  const wall = (performance.now() - t0) / 1000;
  let best = Number.NEGATIVE_INFINITY;
  let bestConfig: Configuration | undefined;
  const curve = history.map((t) => {
    if ((t.value as number) > best) {
      best = t.value as number;
      bestConfig = t.config;
    }
    return Number(best.toFixed(6));
  });
  const line = JSON.stringify({
    sampler: tuner, ...(optunaVersion ? { optuna: optunaVersion } : {}), model: 'loam-gbdt', seed, trials,
    best_so_far: curve, values: history.map((t) => Number((t.value as number).toFixed(6))),
    study_wall_s: Number(wall.toFixed(1)), best_params: bestConfig,
  });
  appendFileSync(join(outDir, 'hpo_gbdt_curves.jsonl'), `${line}\n`);
  console.log(line.slice(0, 240));
}
