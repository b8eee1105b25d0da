#!/usr/bin/python3
"""Writes the drift benchmark frames as raw little-endian float64, column-major (20 columns x 1M rows):
$BENCH_DATA/drift_{baseline,current}_1m_20.f64 -- the same generator as /work/shared/bench/drift/drift_bench.py
(numpy default_rng(0) baseline, default_rng(1) current with cols 0-4 shifted and 10-12 scaled), so the
TypeScript side reads the exact doubles the peer computes on. usage: /usr/bin/python3 gen_drift_f64.py"""
import os
import numpy as np

BENCH_DATA = os.environ.get("BENCH_DATA", os.path.expanduser("~/.cache/loam-bench/data"))
os.makedirs(BENCH_DATA, exist_ok=True)


def make(seed, drift, n=1_000_000):
    rng = np.random.default_rng(seed)
    cols = []
    for j in range(20):
        x = rng.normal(j, 1 + j / 10, n) if j < 10 else rng.lognormal(0, 0.5 + j / 40, n)
        if drift and j < 5: x = x + 0.05 * (1 + j / 10)
        if drift and 10 <= j <= 12: x = x * 1.1
        cols.append(x)
    return np.stack(cols)  # (20, n): column-major when flattened


for name, frame in (("baseline", make(0, False)), ("current", make(1, True))):
    frame.astype("<f8").tofile(f"{BENCH_DATA}/drift_{name}_1m_20.f64")
print("written", BENCH_DATA)
