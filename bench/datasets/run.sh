#!/usr/bin/env bash
# GetDatasetProfile vs pandas (bench/datasets): generates ROWS rows x 12 columns (default 2,000,000) with
# numpy, then runs the pandas peer and Loam's profile (without and with the target y) back to back, RUNS
# times (default 1), printing JSON lines with the load average before each tool. With OLD=<a scratch
# worktree of an older commit, node_modules linked>, its profile runs too, in the same run (run-loam.ts
# is copied into it: the script imports the profile of the tree it sits in).
# Usage: bash bench/datasets/run.sh [RUNS] [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows="${2:-2000000}"
csv="${DATA:-/tmp}/datasets_${rows}.csv"
[ -f "$csv" ] || /usr/bin/python3 bench/datasets/gen-data.py "$rows" "$csv" >/dev/null
export NODE_OPTIONS="--conditions=loam-src"
for i in $(seq 1 "${1:-1}"); do
  echo "{\"run\": $i, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  /usr/bin/python3 bench/datasets/peer.py "$csv"
  if [ -n "${OLD:-}" ]; then
    echo "{\"old\": \"$(git -C "$OLD" rev-parse --short HEAD)\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
    mkdir -p "$OLD/bench/datasets" && cp bench/datasets/run-loam.ts "$OLD/bench/datasets/"
    (cd "$OLD" && node_modules/.bin/tsx bench/datasets/run-loam.ts "$csv" y)
  fi
  echo "{\"new\": \"$(git rev-parse --short HEAD)+\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  node_modules/.bin/tsx bench/datasets/run-loam.ts "$csv" y
done
