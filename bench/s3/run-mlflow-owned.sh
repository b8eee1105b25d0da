#!/usr/bin/env bash
# S3 requests on loam-mlflow keys outside run folders with many experiments (bench/s3/mlflow-owned-keys.ts),
# RUNS times (default 1); with OLD=<a scratch copy of an older commit> the older code runs too (bench/lib/old-vs-new.sh).
# Usage: bash bench/s3/run-mlflow-owned.sh [RUNS] [-- mlflow-owned-keys.ts args, e.g. --experiments 5000 --pg postgres://…]
exec bash "$(dirname "$0")/../lib/old-vs-new.sh" bench/s3/mlflow-owned-keys.ts "$@"
