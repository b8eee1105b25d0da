// Mean best validation AUC per trial count for one run of bench/hpo/run-gbdt.sh (its output folder,
// default the newest under bench/.data/hpo_gbdt): the four tuners over Loam's GBDT (hpo_gbdt_curves.jsonl)
// and the shared peer's Optuna over XGBoost (hpo_xgb_curves.jsonl), plus the mean rank of each tuner's
// best-so-far among the Loam-GBDT tuners per seed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const base = 'bench/.data/hpo_gbdt';
const dir = process.argv[2] ?? join(base, readdirSync(base).sort().at(-1));
const read = (f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const rows = [...read('hpo_gbdt_curves.jsonl'), ...read('hpo_xgb_curves.jsonl').map((r) => ({ ...r, sampler: `optuna-${r.sampler}`, model: 'xgboost' }))];
for (const l of read('run.jsonl')) console.log(JSON.stringify(l));
const ks = [1, 5, 10, 15, 20, 25, 30, 40];
const groups = new Map();
for (const r of rows) {
  const k = `${r.model}|${r.sampler}`;
  if (!groups.has(k)) groups.set(k, []);
  groups.get(k).push(r);
}
const name = (s) => s.replace('loam-', 'Loam ').replace('optuna-', 'Optuna 3.1 ').replace('bayesian', 'Bayesian').replace('random', 'Random').replace('tpe', 'TPE');
console.log(`| model | tuner | seeds | ${ks.map((k) => `AUC@${k}`).join(' | ')} | sd@40 | s/study |`);
console.log(`|---|---|---|${ks.map(() => '---|').join('')}---|---|`);
for (const [k, rs] of groups) {
  const [model, sampler] = k.split('|');
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const at = (t) => rs.map((r) => r.best_so_far[t - 1]);
  const end = at(rs[0].best_so_far.length);
  const sd = Math.sqrt(mean(end.map((v) => (v - mean(end)) ** 2)));
  console.log(`| ${model === 'xgboost' ? 'XGBoost 1.7' : 'Loam GBDT'} | ${name(sampler)} | ${rs.length} | ${ks.map((t) => (t <= rs[0].best_so_far.length ? mean(at(t)).toFixed(5) : '')).join(' | ')} | ${sd.toFixed(5)} | ${mean(rs.map((r) => r.study_wall_s)).toFixed(0)} |`);
}
// Per seed, rank the four tuners over Loam's GBDT by best-so-far (1 = best; ties share the mean rank).
const loam = rows.filter((r) => r.model === 'loam-gbdt');
const tuners = [...new Set(loam.map((r) => r.sampler))];
const seeds = [...new Set(loam.map((r) => r.seed))];
for (const t of [10, 20, 40]) {
  const ranks = Object.fromEntries(tuners.map((s) => [s, []]));
  for (const seed of seeds) {
    const vals = tuners.map((s) => loam.find((r) => r.sampler === s && r.seed === seed)?.best_so_far[t - 1]);
    if (vals.some((v) => v === undefined)) continue;
    tuners.forEach((s, i) => ranks[s].push(1 + vals.filter((v) => v > vals[i]).length + (vals.filter((v) => v === vals[i]).length - 1) / 2));
  }
  console.log(`mean rank @${t} (Loam GBDT, 1 = best): ${tuners.map((s) => `${name(s)} ${(ranks[s].reduce((a, b) => a + b, 0) / ranks[s].length).toFixed(2)}`).join(', ')}`);
}
