#!/usr/bin/python3
"""XGBoost peer for bench/gbdt: /work/shared/bench/gbdt_bench.py's `clf xgb NTHREAD` run, plus
`inplace_predict` latency for 1 row and 1,000 rows. Prints one JSON line.

usage: BENCH_DATA=bench/.data /usr/bin/python3 bench/gbdt/xgb_peer.py [NTHREAD=2]
"""
import os, sys, json, time, resource
nthread = int(sys.argv[1]) if len(sys.argv) > 1 else 2
os.environ.setdefault("OMP_NUM_THREADS", str(nthread))
import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

data = os.environ.get("BENCH_DATA", os.path.join(os.path.dirname(__file__), "..", ".data"))
M = np.load(f"{data}/clf_1m_50.npy")
y, X = M[:, 0], np.ascontiguousarray(M[:, 1:])
del M
ntr = 800_000
Xtr, ytr, Xte, yte = X[:ntr], y[:ntr], X[ntr:], y[ntr:]
t0 = time.perf_counter()
dtr = xgb.DMatrix(Xtr, label=ytr, nthread=nthread)
params = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "max_bin": 256, "nthread": nthread,
          "objective": "binary:logistic", "eval_metric": "auc", "seed": 0}
bst = xgb.train(params, dtr, num_boost_round=100)
fit = time.perf_counter() - t0
cpu_after_fit = resource.getrusage(resource.RUSAGE_SELF).ru_utime
t1 = time.perf_counter()
p = bst.inplace_predict(Xte)
pred200k = time.perf_counter() - t1


def median_latency(rows, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); bst.inplace_predict(rows); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1000


one = Xte[:1]
batch = Xte[:1000]
median_latency(one, 50)
res = {"peer": f"xgboost {xgb.__version__} hist nthread={nthread}", "fit_s": round(fit, 2), "cpu_user_s_after_fit": round(cpu_after_fit, 2),
       "test_auc": round(float(roc_auc_score(yte, p)), 5), "predict_200k_s": round(pred200k, 3),
       "predict_1row_ms": round(median_latency(one, 2000), 4), "predict_1000rows_ms": round(median_latency(batch, 200), 3),
       "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
print(json.dumps(res), flush=True)
