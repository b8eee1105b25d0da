#!/usr/bin/env bash
# GetLogEvents' default call over a long job log (bench/logs/logs-bench.ts), RUNS times (default 1); with
# OLD=<a scratch copy of an older commit> the older code runs too (bench/lib/old-vs-new.sh).
# Usage: bash bench/logs/run.sh [RUNS] [-- logs-bench.ts args]
exec bash "$(dirname "$0")/../lib/old-vs-new.sh" bench/logs/logs-bench.ts "$@"
