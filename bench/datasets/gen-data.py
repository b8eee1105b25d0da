"""Writes a CSV of ROWS rows x 12 columns for bench/datasets (numpy, seeded): x1..x9 DOUBLE (normal,
lognormal, uniform; x2 and x5 with 5 % missing), k (integer 0..49), cat (5 labels, 2 % missing) and y
(0/1, the target); 1 % of the rows repeat an earlier row (duplicates).
Run: /usr/bin/python3 bench/datasets/gen-data.py ROWS OUT.csv"""
import sys
import numpy as np
import pandas as pd

rows, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(42)
d = {}
for i in range(1, 10):
    kind = i % 3
    v = rng.normal(i, i, rows) if kind == 0 else rng.lognormal(0, 1, rows) if kind == 1 else rng.uniform(-i, i, rows)
    if i in (2, 5):
        v[rng.random(rows) < 0.05] = np.nan
    d[f'x{i}'] = np.round(v, 4)
d['k'] = rng.integers(0, 50, rows)
cat = np.array(['red', 'green', 'blue', 'black', 'white'], dtype=object)[rng.integers(0, 5, rows)]
cat[rng.random(rows) < 0.02] = None
d['cat'] = cat
d['y'] = (d['x1'] + rng.normal(0, 2, rows) > 1).astype(int)
df = pd.DataFrame(d)
dup = rng.random(rows) < 0.01
src = rng.integers(0, rows, dup.sum())
df.iloc[np.flatnonzero(dup)] = df.iloc[src].values
df.to_csv(out, index=False)
print(out)
