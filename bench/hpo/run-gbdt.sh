#!/usr/bin/env bash
# The real task of issue 8: tune a GBDT on rows [0,100k) of clf_1m_50 (80k train / 20k validation), 40 trials,
# seeds 0..SEEDS−1, best validation AUC per trial count. One run, back to back:
#  1. Loam Bayesian, Loam Random, Optuna 3.1 TPE and Optuna 3.1 Random all tuning Loam's GBDT (the same
#     objective for every tuner; bench/hpo/run-loam-gbdt.ts, Optuna via bench/hpo/optuna_ask_tell.py);
#  2. for reference, the shared peer script: Optuna TPE and Random tuning XGBoost 1.7 (hpo_xgb.py).
# The four Loam-GBDT studies run at once (one thread per trial; the AUCs do not depend on the contention).
# Needs bench/.data/clf_1m_50.npy (BENCH_DATA=bench/.data /usr/bin/python3 bench/gbdt/gen_clf_data.py).
# Run under flock /tmp/bench.lock.
# Usage: bash bench/hpo/run-gbdt.sh [SEEDS=3] [TRIALS=40]
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${1:-3}
TRIALS=${2:-40}
export BENCH_DATA=${BENCH_DATA:-bench/.data}
OUT=bench/.data/hpo_gbdt/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
export BENCH_OUT=$OUT
PEER=${HPO_XGB_PEER:-/work/shared/bench/hpo/hpo_xgb.py}
echo "{\"run_started\": \"$(date -u +%FT%TZ)\", \"seeds\": $SEEDS, \"trials\": $TRIALS, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee "$OUT/run.jsonl"
tune() { node_modules/.bin/tsx bench/hpo/run-loam-gbdt.ts "$1" 0 "$SEEDS" "$TRIALS"; }
tune loam-bayesian & tune optuna-tpe & tune loam-random & tune optuna-random & wait
echo "{\"after\": \"loam-gbdt studies\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT/run.jsonl"
if [ -f "$PEER" ] && [ "${SKIP_XGB:-0}" != 1 ]; then
  for s in tpe random; do /usr/bin/python3 "$PEER" $s 0 "$SEEDS" "$TRIALS"; done   # 2 seeds at a time (its own Pool(2))
fi
echo "{\"run_finished\": \"$(date -u +%FT%TZ)\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT/run.jsonl"
node bench/hpo/summarise-gbdt.mjs "$OUT"
