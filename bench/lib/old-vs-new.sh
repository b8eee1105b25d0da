#!/usr/bin/env bash
# Runs one bench script RUNS times (default 1), against this tree and, with OLD=<a scratch copy of an older
# commit, node_modules linked to this tree's but @loam/* to its own packages>, against the older code too,
# right before this tree's, under the same load (the bench script is copied into it). Each run is preceded by
# a JSON line naming the code (OLD_REV, else OLD; this tree's HEAD+) and the load average.
# Usage: bash bench/lib/old-vs-new.sh <bench/…/x-bench.ts> [RUNS] [-- x-bench.ts args]
set -euo pipefail
cd "$(dirname "$0")/../.."
bench="$1"
shift
runs="${1:-1}"
shift || true
[ "${1:-}" = "--" ] && shift
export NODE_OPTIONS="--conditions=loam-src --no-deprecation"
for i in $(seq 1 "$runs"); do
  if [ -n "${OLD:-}" ]; then
    echo "{\"old\": \"${OLD_REV:-$OLD}\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
    mkdir -p "$OLD/$(dirname "$bench")" && cp "$bench" "$OLD/$bench"
    (cd "$OLD" && nice -n 15 node_modules/.bin/tsx "$bench" "$@")
  fi
  echo "{\"new\": \"$(git rev-parse --short HEAD)+\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  nice -n 15 node_modules/.bin/tsx "$bench" "$@"
done
