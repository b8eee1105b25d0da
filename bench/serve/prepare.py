#!/usr/bin/python3
"""Data and peer model for the serving bench, as ../shared/bench/serve/train_model.py builds them:
make_classification(1M × 50, the recipe of gen_data.py), XGBoost binary:logistic on the first 100k
rows, 100 rounds, depth 6, eta 0.1, hist. Writes to $BENCH_DATA/serve: model.json (for FastAPI),
train100k.csv (label first, for Loam's GBDT), payload.csv/payload.json (row 900,000) and expected.txt."""
import json, os
import numpy as np, xgboost as xgb
from sklearn.datasets import make_classification

D = os.environ.get("BENCH_DATA", os.path.expanduser("~/.cache/loam-bench/data")) + "/serve"
os.makedirs(D, exist_ok=True)
X, y = make_classification(n_samples=1_000_000, n_features=50, n_informative=20, n_redundant=10,
                           n_clusters_per_class=2, flip_y=0.01, class_sep=1.0, random_state=0)
X = X.astype(np.float32)
Xt, yt = X[:100_000], y[:100_000]
bst = xgb.train({"tree_method": "hist", "max_depth": 6, "eta": 0.1, "max_bin": 256, "objective": "binary:logistic",
                 "nthread": 2, "seed": 0}, xgb.DMatrix(Xt, label=yt), num_boost_round=100)
bst.save_model(D + "/model.json")
np.savetxt(D + "/train100k.csv", np.column_stack([yt, Xt]), delimiter=",", fmt="%.6g")
row = X[900_000]
json.dump({"instances": [[float(f"{v:.6g}") for v in row]]}, open(D + "/payload.json", "w"))
open(D + "/payload.csv", "w").write(",".join(f"{v:.6g}" for v in row))
open(D + "/expected.txt", "w").write(f"{bst.inplace_predict(row.reshape(1, -1))[0]:.7f}\n")
if os.path.exists(D + "/loam-model.json"): os.remove(D + "/loam-model.json")  # serve-loam.ts retrains on the new data
print("prepared", D)
