#!/usr/bin/python3
"""Writes $BENCH_DATA/clf_1m_50.{csv,npy} exactly as /work/shared/bench/gen_data.py does (classification only).

make_classification(1e6, 50, n_informative=20, n_redundant=10, n_clusters_per_class=2, flip_y=0.01,
class_sep=1.0, random_state=0); label first, no header, values '%.6g'; the .npy is the CSV parsed back.
usage: BENCH_DATA=bench/.data /usr/bin/python3 bench/gbdt/gen_clf_data.py
"""
import os, time
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

out = os.environ.get("BENCH_DATA", os.path.join(os.path.dirname(__file__), "..", ".data"))
os.makedirs(out, exist_ok=True)
t = time.time()
X, y = make_classification(n_samples=1_000_000, n_features=50, n_informative=20, n_redundant=10,
                           n_clusters_per_class=2, flip_y=0.01, class_sep=1.0, random_state=0)
path = os.path.join(out, "clf_1m_50.csv")
df = pd.DataFrame(X)
df.insert(0, "y", y.astype(np.int64))
df.to_csv(path, header=False, index=False, float_format="%.6g")
back = pd.read_csv(path, header=None, dtype=np.float32).to_numpy()
np.save(os.path.join(out, "clf_1m_50.npy"), back)
print(f"wrote {path} + .npy in {time.time() - t:.1f}s", flush=True)
