#!/usr/bin/env bash
# Runs pandas and Loam back to back, RUNS times each (default 3), on ROWS rows (default 10,000,000),
# printing JSON lines with the load average before each run.
# Usage: bash bench/wrangler/run.sh [RUNS] [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
csv=$(node_modules/.bin/tsx bench/wrangler/gen-data.ts "${2:-10000000}")
for i in $(seq 1 "${1:-3}"); do
  echo "{\"run\": $i, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  /usr/bin/python3 bench/wrangler/peer.py "$csv"
  echo "{\"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  node_modules/.bin/tsx bench/wrangler/run-loam.ts "$csv" csv
  echo "{\"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  node_modules/.bin/tsx bench/wrangler/run-loam.ts "$csv" parquet
done
