// Mean simple regret (mean best-so-far − optimum) at 10/25/50/100 trials for the last run in
// hpo_synthetic.jsonl, and Loam Bayesian's ratio to Optuna TPE (target ≤ 0.3 at 25 and 50).
import { readFileSync } from 'node:fs';
const lines = readFileSync(process.argv[2] ?? 'bench/.data/hpo_synthetic.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const start = lines.map((l) => 'run_started' in l).lastIndexOf(true);
const rows = lines.slice(start + 1).filter((l) => l.func);
const regret = (r, k) => r[`mean_best@${k}`] - r.optimum;
console.log('| function | sampler | seeds | regret@10 | regret@25 | regret@50 | regret@100 | s/study |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const name = r.sampler.startsWith('loam') ? r.sampler.replace('loam-', 'Loam ') : `Optuna ${r.optuna} ${r.sampler}`;
  console.log(`| ${r.func} | ${name} | ${r.seeds} | ${[10, 25, 50, 100].map((k) => regret(r, k).toFixed(4)).join(' | ')} | ${r.mean_study_wall_s} |`);
}
for (const f of new Set(rows.map((r) => r.func))) {
  const tpe = rows.find((r) => r.func === f && r.sampler === 'tpe');
  const bo = rows.find((r) => r.func === f && r.sampler === 'loam-bayesian');
  if (tpe && bo) console.log(`${f}: Loam Bayesian / TPE regret ratio @25 ${(regret(bo, 25) / regret(tpe, 25)).toFixed(3)}, @50 ${(regret(bo, 50) / regret(tpe, 50)).toFixed(3)}, @100 ${(regret(bo, 100) / regret(tpe, 100)).toFixed(3)} (target ≤ 0.3 at 25 and 50)`);
}
