/**
 * Loam side of bench/hpo: Bayesian and Random strategies on Branin and Hartmann6, sequential trials
 * (one suggestion at a time, as Optuna's `study.optimize`), seeds 0..SEEDS−1. Prints one JSON line per
 * (function, strategy) in the format of the shared hpo_synthetic.py, plus mean simple regret.
 * Run: node_modules/.bin/tsx bench/hpo/run-loam.ts FUNC STRATEGY [SEEDS=20] [TRIALS=100] [BATCH=1]
 */
import { BayesianStrategy } from '../../packages/ml/src/tuning/bayesian-strategy.js';
import { RandomStrategy } from '../../packages/ml/src/tuning/random-strategy.js';
import type { SearchStrategy, TrialRecord } from '../../packages/ml/src/tuning/strategy.js';
import { branin, hartmann6 } from '../../packages/ml/src/tuning/test-functions.js';

const [func = 'branin', strategy = 'bayesian', seedsArg = '20', trialsArg = '100', batchArg = '1'] = process.argv.slice(2);
const fn = func === 'branin' ? branin : hartmann6;
const seeds = Number(seedsArg);
const firstSeed = Number(process.env['FIRST_SEED'] ?? 0);
const trials = Number(trialsArg);
const batch = Number(batchArg);

const curves: number[][] = [];
const walls: number[] = [];
for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
  const opts = { ranges: fn.ranges, objective: 'Minimize' as const, seed };
  const s: SearchStrategy = strategy === 'random' ? new RandomStrategy(opts) : new BayesianStrategy(opts);
  const history: TrialRecord[] = [];
  const t0 = performance.now();
  while (history.length < trials) {
    const configs = s.suggest({ history, count: Math.min(batch, trials - history.length) });
    for (const config of configs) history.push({ config, state: 'complete', value: fn.evaluate(config) });
  }
  walls.push((performance.now() - t0) / 1000);
  let best = Number.POSITIVE_INFINITY;
  curves.push(history.map((t) => (best = Math.min(best, t.value as number))));
}
const res: Record<string, unknown> = { func, sampler: `loam-${strategy}`, batch, seeds, trials, optimum: fn.optimum };
for (const k of [10, 25, 50, 100]) {
  if (k > trials) continue;
  const at = curves.map((c) => c[k - 1] as number).sort((a, b) => a - b);
  const m = at.reduce((a, b) => a + b, 0) / at.length;
  res[`mean_best@${k}`] = Number(m.toFixed(4));
  res[`median_best@${k}`] = Number(at[Math.floor(at.length / 2)]!.toFixed(4));
  res[`mean_regret@${k}`] = Number((m - fn.optimum).toFixed(4));
}
if (process.env['PER_SEED']) for (const k of [25, 50]) if (k <= trials) res[`at${k}`] = curves.map((c) => Number((c[k - 1] as number).toFixed(3)));
res['mean_study_wall_s'] = Number((walls.reduce((a, b) => a + b, 0) / walls.length).toFixed(2));
console.log(JSON.stringify(res));
