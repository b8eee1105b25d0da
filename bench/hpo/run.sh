#!/usr/bin/env bash
# Branin and Hartmann6, 100 trials, seeds 0..SEEDS−1 (default 20): Optuna 3.1 TPE and Random (the shared
# runner, Debian's python3-optuna) and Loam Bayesian and Random, back to back in one run. Appends JSON lines
# to bench/.data/hpo_synthetic.jsonl and prints the regret table (bench/hpo/summarise.mjs).
# Usage: bash bench/hpo/run.sh [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${1:-20}
OUT=bench/.data/hpo_synthetic.jsonl
mkdir -p bench/.data
PEER=${HPO_PEER:-/work/shared/bench/hpo/hpo_synthetic.py}
[ -f "$PEER" ] || PEER=bench/hpo/hpo_synthetic.py
/usr/bin/python3 -c 'import optuna' || { echo "python3-optuna missing: apt-get install -y python3-optuna" >&2; exit 1; }
RUN="{\"run_started\": \"$(date -u +%FT%TZ)\", \"seeds\": $SEEDS, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
echo "$RUN" | tee -a $OUT
for f in branin hartmann6; do
  for s in tpe random; do /usr/bin/python3 "$PEER" $f $s "$SEEDS" 100 1 | tee -a $OUT; done
  for s in bayesian random; do node_modules/.bin/tsx bench/hpo/run-loam.ts $f $s "$SEEDS" 100 | tee -a $OUT; done
done
echo "{\"run_finished\": \"$(date -u +%FT%TZ)\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a $OUT
node bench/hpo/summarise.mjs $OUT
