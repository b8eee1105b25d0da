/**
 * Model-Monitor-style statistics and drift on two 1M × 20 float64 frames: Loam vs pandas + numpy +
 * scipy (/work/shared/bench/drift/drift_bench.py), the peer run in the same session, back to back.
 *
 * usage (from /work/main):
 *   /usr/bin/python3 bench/drift/gen_drift_f64.py            # once: the peer's exact data as raw float64
 *   node_modules/.bin/tsx bench/drift/drift-bench.ts [--reps 3] [--no-peer]
 * Loam's timed work per run, both frames: profile every column (radix sort, sum, squared deviations),
 * statistics.json (KLL sketch + 10 buckets), the 7 describe quantiles; then per column PSI on 20
 * baseline-quantile bins, JS distance, and the two-sample KS test with scipy's p-value. The peer's
 * timed work: describe (count/mean/std/min/max + 7 quantiles), 20-bin histograms + PSI, ks_2samp.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { driftFromProfiles, profileColumn, quantileSorted, statisticsFromProfiles } from '../../packages/ml/src/monitor/index.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] ?? 3) || 3;
const noPeer = args.includes('--no-peer');
const dataDir = process.env['BENCH_DATA'] ?? join(homedir(), '.cache', 'loam-bench', 'data');
const N = 1_000_000;
const COLS = 20;
const QUANT = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

function load(name: string): Record<string, Float64Array> {
  const path = join(dataDir, `drift_${name}_1m_20.f64`);
  if (!existsSync(path)) throw new Error(`${path} missing: run /usr/bin/python3 bench/drift/gen_drift_f64.py first.`);
  const buf = readFileSync(path);
  const all = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8).slice();
  const out: Record<string, Float64Array> = {};
  for (let j = 0; j < COLS; j++) out[`c${j}`] = all.subarray(j * N, (j + 1) * N);
  return out;
}

function runLoam(base: Record<string, Float64Array>, cur: Record<string, Float64Array>) {
  const t0 = performance.now();
  const pb = Object.entries(base).map(([k, v]) => profileColumn(k, v));
  const pc = Object.entries(cur).map(([k, v]) => profileColumn(k, v));
  const t1 = performance.now();
  const sb = statisticsFromProfiles(pb);
  const sc = statisticsFromProfiles(pc);
  const quantiles = [...pb, ...pc].map((p) => QUANT.map((q) => quantileSorted(p.sorted!, q)));
  const t2 = performance.now();
  const drift = driftFromProfiles(pb, pc);
  const t3 = performance.now();
  return {
    profile_s: (t1 - t0) / 1000,
    statistics_s: (t2 - t1) / 1000,
    drift_s: (t3 - t2) / 1000,
    total_s: (t3 - t0) / 1000,
    drift,
    stats: [sb, sc],
    quantiles,
  };
}

function runPeer(): Record<string, unknown> {
  const out = execFileSync('/usr/bin/python3', ['/work/shared/bench/drift/drift_bench.py'], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '2' } });
  return JSON.parse(out.trim().split('\n').pop() as string) as Record<string, unknown>;
}

const base = load('baseline');
const cur = load('current');
const loamTimes: number[] = [];
const peerTimes: number[] = [];
let last: ReturnType<typeof runLoam> | undefined;
let peer: Record<string, unknown> | undefined;
for (let r = 0; r < reps; r++) {
  if (!noPeer) {
    peer = runPeer();
    peerTimes.push(peer['total_stats_s'] as number);
    console.log(JSON.stringify({ run: r, side: 'peer', total_stats_s: peer['total_stats_s'], describe_s: peer['describe_s'], hist_psi_s: peer['hist_psi_s'], ks_s: peer['ks_s'], loadavg: readFileSync('/proc/loadavg', 'utf8').trim() }));
  }
  last = runLoam(base, cur);
  loamTimes.push(last.total_s);
  const { drift: _d, stats: _s, quantiles: _q, ...times } = last;
  console.log(JSON.stringify({ run: r, side: 'loam', ...times, loadavg: readFileSync('/proc/loadavg', 'utf8').trim() }));
}
const d = last!.drift;
const byName = Object.fromEntries(d.map((x) => [x.name, x]));
const summary: Record<string, unknown> = {
  loam_min_s: Math.min(...loamTimes),
  ks_stat_c0: byName['c0']!.ks!.statistic,
  ks_p_c0: byName['c0']!.ks!.pValue,
  ks_stat_c15: byName['c15']!.ks!.statistic,
  ks_p_c15: byName['c15']!.ks!.pValue,
  psi_c10: byName['c10']!.psi,
  drifted_cols_ks_p_lt_0_01: d.filter((x) => x.ks!.pValue < 0.01).map((x) => x.name),
};
if (peer) {
  const ksAll = peer['ks_stat_all'] as Record<string, number>;
  const psiAll = peer['psi_all'] as Record<string, number>;
  summary['peer_min_s'] = Math.min(...peerTimes);
  summary['ratio_loam_over_peer'] = Math.min(...loamTimes) / Math.min(...peerTimes);
  summary['max_abs_ks_diff_vs_peer'] = Math.max(...d.map((x) => Math.abs(x.ks!.statistic - (ksAll[x.name] as number))));
  summary['max_abs_psi_diff_vs_peer'] = Math.max(...d.map((x) => Math.abs(x.psi! - (psiAll[x.name] as number))));
  summary['peer_ks_p_c0'] = peer['ks_p_c0'];
  summary['peer_ks_p_c15'] = peer['ks_p_c15'];
}
console.log(JSON.stringify(summary));
