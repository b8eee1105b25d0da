#!/usr/bin/env bash
# DescribeLogStreams by LastEventTime over many running jobs (bench/logs/last-event-bench.ts), RUNS times (default 1);
# with OLD=<a scratch copy of an older commit> the older code runs too (bench/lib/old-vs-new.sh).
# Usage: bash bench/logs/last-event-run.sh [RUNS] [-- last-event-bench.ts args]
exec bash "$(dirname "$0")/../lib/old-vs-new.sh" bench/logs/last-event-bench.ts "$@"
