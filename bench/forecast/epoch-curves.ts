/**
 * Diagnostic behind the `_validation` choice (bench/RESULTS-forecast.md): for one panel, per rolling window
 * and seed, trains DeepAR with a held-out tail and, after every epoch, records the validation loss, the
 * score of the tail's forecast (mean wQL, what `tail-forecast` keeps by) and the score of the evaluation
 * window's forecast (what the benchmark reports). Prints, per epoch, the evaluation score of every seed's
 * model of that epoch pooled, and what the kept epoch scores when chosen by the loss, by the tail's
 * forecast, or simply the last.
 *
 * usage: node_modules/.bin/tsx bench/forecast/epoch-curves.ts <panel> [--seeds 0,1,2] [--epochs 100] [--windows 3]
 * The evaluation window is never used by training or by the choice; it is read here only to draw the curves.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forecastMetrics, invokeDeepAr, summarizeSamples, trainDeepAr, type ForecastEvaluation } from '../../packages/ml/src/deepar/index.js';
import { cliOption, panels } from './panels.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => cliOption(args, name, dflt);
const panel = args[0] as string;
const seeds = opt('seeds', '0,1,2').split(',').map(Number);
const WINDOWS = Number(opt('windows', '3'));
const QS = [0.1, 0.5, 0.9];
const all = panels({ epochs: opt('epochs', '100'), _scaling: 'std', _validation: 'tail-forecast' });
const hp = all[panel]?.hp;
if (!hp) throw new Error(`unknown panel '${panel}'; one of ${Object.keys(all).join(', ')}`);
const h = Number(hp['prediction_length']);
interface Rec { start: string; target: number[]; cat: number[] }
const recs = readFileSync(join(here, '..', '..', 'datasets', 'timeseries', `${panel}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);

type Paths = number[][][]; // [series][path][step]
const wql = (evals: ForecastEvaluation[]): number => (forecastMetrics(evals, QS).find((m) => m.name === 'test:mean_wQuantileLoss') as { value: number }).value;
const evalOf = (actual: number[], paths: number[][]): ForecastEvaluation => ({
  actual: Float64Array.from(actual), ...summarizeSamples(Float64Array.from(paths.flat()), paths.length, h, QS),
});
// runs[seed][window] = per epoch: loss, tail score, evaluation paths
const runs: { loss: number; tail: number; paths: Paths }[][][] = [];
const actuals: number[][][] = [];
for (const seed of seeds) {
  const perWindow: { loss: number; tail: number; paths: Paths }[][] = [];
  for (let w = WINDOWS; w >= 1; w--) {
    const cut = (r: Rec): number => r.target.length - w * h;
    const train = recs.map((r) => ({ start: r.start, target: r.target.slice(0, cut(r)), cat: r.cat }));
    actuals[WINDOWS - w] = recs.map((r) => r.target.slice(cut(r), cut(r) + h));
    const lines: string[] = [];
    const snaps: { loss: number; params: Float64Array }[] = [];
    const { model } = trainDeepAr(hp, train, { seed, log: (l) => lines.push(l), onEpoch: (_e, p, loss) => snaps.push({ loss, params: p.slice() }) });
    const tails = lines.flatMap((l) => /validation mean_wQuantileLoss <score>=(.*)$/.exec(l)?.[1] ?? []).map(Number);
    perWindow.push(snaps.map((s, e) => ({
      loss: s.loss, tail: tails[e] as number,
      paths: invokeDeepAr({ ...model, params: s.params }, { instances: train, configuration: { num_samples: 100, output_types: ['samples'] } }).predictions.map((p) => p.samples as number[][]),
    })));
  }
  runs.push(perWindow);
}
/** The evaluation score when each (seed, window) keeps epoch pick(curve). */
const score = (pick: (curve: { loss: number; tail: number }[]) => number): number => {
  const evals: ForecastEvaluation[] = [];
  for (let wi = 0; wi < WINDOWS; wi++) {
    (actuals[wi] as number[][]).forEach((actual, i) => {
      evals.push(evalOf(actual, runs.flatMap((r) => {
        const curve = r[wi] as { loss: number; tail: number; paths: Paths }[];
        return (curve[pick(curve)] as { paths: Paths }).paths[i] as number[][];
      })));
    });
  }
  return wql(evals);
};
const argmin = (key: 'loss' | 'tail', cap: number) => (c: { loss: number; tail: number }[]): number => {
  let best = 0;
  for (let e = 1; e < Math.min(cap, c.length); e++) if ((c[e] as { loss: number; tail: number })[key] < (c[best] as { loss: number; tail: number })[key]) best = e;
  return best;
};
const E = Number(hp.epochs);
const perEpoch = Array.from({ length: E }, (_, e) => score(() => e));
console.log(`${panel}, seeds ${seeds.join(',')}, ${WINDOWS} windows: evaluation mean wQL of every seed's epoch-e model pooled`);
console.log(perEpoch.map((v, e) => `${e}:${v.toFixed(3)}`).join(' '));
const summary: Record<string, number> = {};
for (const cap of [40, 60, 80, 100].filter((c) => c <= E)) {
  summary[`cap${cap}_kept_by_loss`] = score(argmin('loss', cap));
  summary[`cap${cap}_kept_by_tail_forecast`] = score(argmin('tail', cap));
  summary[`cap${cap}_last`] = score(() => cap - 1);
  console.log(`first ${cap} epochs: kept by validation loss ${summary[`cap${cap}_kept_by_loss`]?.toFixed(4)}, by the tail's forecast ${summary[`cap${cap}_kept_by_tail_forecast`]?.toFixed(4)}, last ${summary[`cap${cap}_last`]?.toFixed(4)}`);
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', `epoch-curves-${panel}-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.json`),
  JSON.stringify({ panel, seeds, windows: WINDOWS, hyperparameters: hp, perEpoch, summary, curves: runs.map((r) => r.map((c) => c.map(({ loss, tail }) => ({ loss, tail })))) }, null, 1));
