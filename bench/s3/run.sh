#!/usr/bin/env bash
# S3 listing and multipart complete (bench/s3/s3-bench.ts), RUNS times (default 1); with OLD=<a scratch copy
# of an older commit> the older code runs too (bench/lib/old-vs-new.sh).
# Usage: bash bench/s3/run.sh [RUNS] [-- s3-bench.ts args]
exec bash "$(dirname "$0")/../lib/old-vs-new.sh" bench/s3/s3-bench.ts "$@"
