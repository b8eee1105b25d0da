"""pandas side of bench/wrangler: the same 10 steps as flow.ts, CSV in → CSV out, one JSON line.
Run: /usr/bin/python3 bench/wrangler/peer.py CSV_PATH"""
import json, os, resource, sys, tempfile, time
import numpy as np
import pandas as pd

path = sys.argv[1]
out = os.path.join(tempfile.gettempdir(), f"wrangler-peer-{os.getpid()}.csv")
t0 = time.perf_counter()
df = pd.read_csv(path)
df = df.drop(columns=["id"])                                              # 1 drop_columns
df["a"] = df["a"].fillna(df["a"].mean())                                  # 2 impute_mean
df["cat"] = df["cat"].fillna("unknown")                                   # 3 fill_constant
df["txt"] = df["txt"].str.lower()                                         # 4 lower_case
top = df["cat"].value_counts().sort_index().sort_values(ascending=False, kind="stable").index[:20]
for v in sorted(top, key=str):                                            # 5 one_hot (top 20, sorted names)
    df[f"cat_{str(v).lower()}"] = (df["cat"] == v).astype("int32")
df = df.drop(columns=["cat"])
df["b"] = (df["b"] - df["b"].mean()) / df["b"].std(ddof=0)               # 6 standard_scale (population std)
m, s = df["c"].mean(), df["c"].std(ddof=0)
df["c"] = df["c"].clip(m - 3 * s, m + 3 * s)                              # 7 clip_std
df["ab"] = df["a"] * df["b"]                                              # 8 custom_formula
df = df[(df["y"] == 1) | (df["ab"] > 0)]                                  # 9 filter_rows
lo, hi = df["c"].min(), df["c"].max()
df["c"] = (df["c"] - lo) / (hi - lo)                                      # 10 min_max_scale
df.to_csv(out, index=False)
full = time.perf_counter() - t0
check = {"n": int(len(df)), "sum_ab": round(float(df["ab"].sum()), 2), "sum_c": round(float(df["c"].sum()), 4), "red": int(df["cat_red"].sum())}
os.remove(out)
print(json.dumps({"tool": f"pandas-{pd.__version__}", "rowsOut": int(len(df)), "fullSeconds": round(full, 2),
                  "maxRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "check": check}))
