#!/usr/bin/env bash
# GetLogEvents' default call over a long job log (bench/logs/logs-bench.ts), RUNS times (default 1). With
# OLD=<a scratch copy of an older commit, node_modules linked to this tree's but @loam/* to its own packages>,
# the older code runs too, right before this tree's, under the same load (logs-bench.ts is copied into it).
# Usage: bash bench/logs/run.sh [RUNS] [-- logs-bench.ts args]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-1}"
shift || true
[ "${1:-}" = "--" ] && shift
export NODE_OPTIONS="--conditions=loam-src --no-deprecation"
for i in $(seq 1 "$runs"); do
  if [ -n "${OLD:-}" ]; then
    echo "{\"old\": \"${OLD_REV:-$OLD}\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
    mkdir -p "$OLD/bench/logs" && cp bench/logs/logs-bench.ts "$OLD/bench/logs/"
    (cd "$OLD" && nice -n 15 node_modules/.bin/tsx bench/logs/logs-bench.ts "$@")
  fi
  echo "{\"new\": \"$(git rev-parse --short HEAD)+\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  nice -n 15 node_modules/.bin/tsx bench/logs/logs-bench.ts "$@"
done
