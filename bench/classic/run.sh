#!/usr/bin/env bash
# Runs the scikit-learn peer and Loam back to back, RUNS times each (default 3), printing JSON lines
# with the load average before each run. Usage: bash bench/classic/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f bench/.data/classic_200k_50.csv ] || /usr/bin/python3 bench/classic/gen_data.py
for i in $(seq 1 "${1:-3}"); do
  echo "{\"run\": $i, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/classic/peer.py 2>/dev/null
  node_modules/.bin/tsx bench/classic/run-loam.ts
done
