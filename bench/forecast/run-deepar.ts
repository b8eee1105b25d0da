/**
 * Rolling-origin benchmark of Loam's DeepAR against the statsmodels peers (seasonal naive, Holt-Winters)
 * on the real panels in datasets/timeseries/, the peer computed in the same run.
 *
 * usage: node_modules/.bin/tsx bench/forecast/run-deepar.ts [--windows 3] [--panels monthly3,macro9] [--seeds 0]
 *        [--epochs 40] [--batches 0] [--scaling std|mean] [--validation none|tail|tail-forecast|tail-refit] [--validation-windows 1] [--averaging none|ema] [--patience n] [--context-mult 2] [--ensemble 1] [--paths 200] [--set panel.hp=value]… [--no-peer]
 * `--ensemble k` trains k models (seeds seed…seed+k−1) per window and pools their sample paths
 * (`--paths`, default 200, in all) before taking the mean and quantiles. `--scaling mean` is SageMaker's default; `std`
 * is Loam's `_scaling=std` extension; `--validation-windows k` is `_validation_windows=k` (hold out k × prediction_length
 * points instead of one prediction_length); `--averaging ema` is Loam's `_averaging=ema` (Polyak average of the weights).
 * Writes bench/forecast/results/deepar-<date>.json and prints a Markdown table.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forecastMetrics, invokeDeepAr, summarizeSamples, trainDeepAr, type ForecastEvaluation } from '../../packages/ml/src/deepar/index.js';
import { cliOption, panels as panelsOf } from './panels.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => cliOption(args, name, dflt);
const WINDOWS = Number(opt('windows', '3'));
const QS = [0.1, 0.5, 0.9];

const SCALING = opt('scaling', 'std');
const COMMON: Record<string, string> = {
  epochs: opt('epochs', '40'), ...(SCALING === 'mean' ? {} : { _scaling: SCALING }),
  ...(opt('validation', 'none') === 'none' ? {} : { _validation: opt('validation', 'none') }),
  ...(opt('validation-windows', '1') === '1' ? {} : { _validation_windows: opt('validation-windows', '1') }),
  ...(opt('averaging', 'none') === 'none' ? {} : { _averaging: opt('averaging', 'none') }),
  ...(opt('patience', '') === '' ? {} : { early_stopping_patience: opt('patience', '') }),
};
// Batches per epoch; 0 = the library's default (one pass over the windows, at most 50).
const BATCHES = Number(opt('batches', '0'));
const ENSEMBLE = Number(opt('ensemble', '1'));
// Sample paths per series and window, over all the ensemble's models.
const PATHS = Number(opt('paths', '200'));

/** Per panel: frequency, horizon (the peer's h), and the DeepAR hyperparameters used. */
const PANELS = panelsOf(COMMON, Number(opt('context-mult', '2')), args.includes('--m3-context') ? opt('m3-context', '') : undefined);

// `--set panel.name=value` (repeatable) overrides one hyperparameter of one panel, e.g. `--set nile.num_cells=10`.
args.forEach((a, i) => {
  if (a !== '--set') return;
  const m = /^(\w+)\.(\w+)=(.*)$/.exec(args[i + 1] ?? '');
  const panel = m ? PANELS[m[1] as string] : undefined;
  if (!m || !panel) throw new Error(`--set expects panel.hyperparameter=value with a known panel; got '${args[i + 1]}'`);
  panel.hp[m[2] as string] = m[3] as string;
});

interface Rec { start: string; target: number[]; cat: number[]; item_id: string }

function runPanel(name: string, seed: number): { mean_wQuantileLoss: number; ND: number; wQL: number[]; RMSE_by_series: Record<string, number>; train_seconds: number; train_cpu_seconds: number; epochs: number } {
  const hp = (PANELS[name] as { hp: Record<string, string> }).hp;
  const h = Number(hp['prediction_length']);
  const recs = readFileSync(join(root, 'datasets', 'timeseries', `${name}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
  const evals: ForecastEvaluation[] = [];
  const se: Record<string, number[]> = {};
  let seconds = 0;
  let cpuSeconds = 0;
  let epochs = 0;
  for (let w = WINDOWS; w >= 1; w--) {
    const cut = (r: Rec): number => r.target.length - w * h;
    const train = recs.map((r) => ({ start: r.start, target: r.target.slice(0, cut(r)), cat: r.cat }));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    // Sample paths per series, pooled over the ensemble's models.
    const pooled: number[][][] = recs.map(() => []);
    const perModel = Math.round(PATHS / ENSEMBLE);
    for (let e = 0; e < ENSEMBLE; e++) {
      const { model, epochsRun } = trainDeepAr(hp, train, { seed: seed + e, ...(BATCHES > 0 ? { numBatchesPerEpoch: BATCHES } : {}) });
      epochs += epochsRun;
      const res = invokeDeepAr(model, { instances: train, configuration: { num_samples: perModel, output_types: ['samples'] } });
      res.predictions.forEach((p, i) => (pooled[i] as number[][]).push(...(p.samples as number[][])));
    }
    seconds += (performance.now() - t0) / 1000;
    const c1 = process.cpuUsage(c0);
    cpuSeconds += (c1.user + c1.system) / 1e6;
    pooled.forEach((paths, i) => {
      const r = recs[i] as Rec;
      const actual = Float64Array.from(r.target.slice(cut(r), cut(r) + h));
      const flat = Float64Array.from(paths.flat());
      const { mean, quantiles } = summarizeSamples(flat, paths.length, h, QS);
      evals.push({ actual, mean, quantiles });
      (se[r.item_id] ??= []).push(Math.sqrt(actual.reduce((s, y, k) => s + (y - (mean[k] as number)) ** 2, 0) / h));
    });
  }
  const m = forecastMetrics(evals, QS);
  const get = (n: string): number => (m.find((x) => x.name === n) as { value: number }).value;
  const absErr = evals.reduce((s, e) => s + e.actual.reduce((a, y, k) => a + Math.abs(y - ((e.quantiles.get(0.5) as Float64Array)[k] as number)), 0), 0);
  const absY = evals.reduce((s, e) => s + e.actual.reduce((a, y) => a + Math.abs(y), 0), 0);
  return {
    mean_wQuantileLoss: get('test:mean_wQuantileLoss'), ND: absErr / absY, wQL: QS.map((q) => get(`test:wQuantileLoss[${q}]`)),
    RMSE_by_series: Object.fromEntries(Object.entries(se).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length])),
    train_seconds: seconds, train_cpu_seconds: cpuSeconds, epochs,
  };
}

function runPeer(): Record<string, Record<string, { mean_wQuantileLoss: number }>> {
  const data = process.env['BENCH_DATA'] ?? '/tmp/loam-bench-forecast';
  const out = execFileSync('/usr/bin/python3', [join(here, 'forecast_baselines.py'), String(WINDOWS)], {
    env: { ...process.env, BENCH_DATA: data, BENCH_OUT: data + '/out' }, encoding: 'utf8', maxBuffer: 1 << 24,
  });
  const res: Record<string, Record<string, { mean_wQuantileLoss: number }>> = {};
  for (const line of out.trim().split('\n')) {
    const r = JSON.parse(line) as { panel: string; model: string; mean_wQuantileLoss: number };
    (res[r.panel] ??= {})[r.model] = r;
  }
  return res;
}

const panels = opt('panels', Object.keys(PANELS).join(',')).split(',');
const seeds = opt('seeds', '0').split(',').map(Number);
const t0 = performance.now();
const peer = args.includes('--no-peer') ? undefined : runPeer();
const peerSeconds = (performance.now() - t0) / 1000;
const results: Record<string, unknown>[] = [];
const loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
console.log(`loadavg at start: ${loadavg}; peer script ${peerSeconds.toFixed(1)} s; windows ${WINDOWS}`);
console.log('| panel | seed | DeepAR mean wQL | seasonal naive | Holt-Winters | ratio vs naive (≤ 0.8) | ratio vs HW (≤ 1.0) | ND | train s wall (CPU), all windows | epochs |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const name of panels) {
  for (const seed of seeds) {
    const r = runPanel(name, seed);
    const sn = peer?.[name]?.['snaive']?.mean_wQuantileLoss ?? NaN;
    const ets = peer?.[name]?.['ets']?.mean_wQuantileLoss ?? NaN;
    results.push({ panel: name, seed, ensemble: ENSEMBLE, paths: PATHS, batches_per_epoch: BATCHES, ...r, snaive: sn, ets, hyperparameters: PANELS[name]?.hp });
    console.log(`| ${name} | ${seed} | ${r.mean_wQuantileLoss.toFixed(4)} | ${sn} | ${ets} | ${(r.mean_wQuantileLoss / sn).toFixed(2)} | ${(r.mean_wQuantileLoss / ets).toFixed(2)} | ${r.ND.toFixed(4)} | ${r.train_seconds.toFixed(1)} (${r.train_cpu_seconds.toFixed(1)}) | ${r.epochs} |`);
    console.log(`  RMSE by series: ${JSON.stringify(Object.fromEntries(Object.entries(r.RMSE_by_series).map(([k, v]) => [k, Number(v.toFixed(3))])))}`);
  }
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', `deepar-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.json`), JSON.stringify({ windows: WINDOWS, loadavg, peer, results }, null, 1));
console.log(`loadavg at end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
