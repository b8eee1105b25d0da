/**
 * Diagnostic of the kept epoch (bench/RESULTS-forecast.md): for one panel, per rolling window and seed, trains DeepAR
 * with the benchmark's recipe and a held-out tail, and prints the kept epoch and every epoch's held-out loss. It
 * reads only the training range of each window (the evaluation windows are cut off before training, as in
 * run-deepar.ts) and scores nothing on them.
 *
 * usage: node_modules/.bin/tsx bench/forecast/kept-epochs.ts <panel> [--seeds 0,1,2] [--windows 3] [--epochs 40]
 *        [--set name=value]… (extra hyperparameters, e.g. --set _averaging=ema)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainDeepAr } from '../../packages/ml/src/deepar/index.js';
import { cliOption, panels } from './panels.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => cliOption(args, name, dflt);
const panel = args[0] as string;
const all = panels({ epochs: opt('epochs', '40'), _scaling: 'std', _validation: 'tail' });
const base = all[panel]?.hp;
if (!base) throw new Error(`unknown panel '${panel}'; one of ${Object.keys(all).join(', ')}`);
const hp: Record<string, string> = { ...base };
args.forEach((a, i) => {
  const m = a === '--set' ? /^(\w+)=(.*)$/.exec(args[i + 1] ?? '') : null;
  if (a === '--set' && !m) throw new Error(`--set expects name=value; got '${args[i + 1]}'`);
  if (m) hp[m[1] as string] = m[2] as string;
});
const h = Number(hp['prediction_length']);
const seeds = opt('seeds', '0,1,2').split(',').map(Number);
const WINDOWS = Number(opt('windows', '3'));
interface Rec { start: string; target: number[]; cat: number[] }
const recs = readFileSync(join(here, '..', '..', 'datasets', 'timeseries', `${panel}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
for (let w = WINDOWS; w >= 1; w--) {
  const train = recs.map((r) => ({ start: r.start, target: r.target.slice(0, r.target.length - w * h), cat: r.cat }));
  for (const seed of seeds) {
    const lines: string[] = [];
    trainDeepAr(hp, train, { seed, log: (l) => lines.push(l) });
    const held = lines.flatMap((l) => /validation loss <loss>=(.*)$/.exec(l)?.slice(1).map(Number) ?? []);
    const kept = /occurred at epoch (\d+)/.exec(lines.find((l) => l.startsWith('Final loss:')) ?? '')?.[1];
    console.log(`window ${w} seed ${seed}: kept epoch ${kept}; held-out loss by epoch ${held.map((v) => v.toFixed(2)).join(' ')}`);
  }
}
