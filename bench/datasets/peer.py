"""The pandas peer of GetDatasetProfile (bench/datasets): the same statistics of every column of a CSV
— missing, distinct, min/max, mean, std, 5 quantiles (describe), 10 equal-width bins and IQR outliers of
numeric columns, the top 10 values of the others, duplicate rows and Pearson correlations — timed
without and with reading the CSV. Prints one JSON line. Run: /usr/bin/python3 bench/datasets/peer.py CSV"""
import json, resource, sys, time
import numpy as np
import pandas as pd

t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
t1 = time.perf_counter()
num = df.select_dtypes('number')
out = {'rows': len(df), 'missing': df.isna().sum().to_dict(), 'distinct': df.nunique().to_dict()}
desc = num.describe(percentiles=[0.05, 0.25, 0.5, 0.75, 0.95])
hist, outliers = {}, {}
for c in num.columns:
    v = num[c].dropna().to_numpy()
    hist[c] = np.histogram(v, bins=10)[0].tolist()
    q1, q3 = desc.at['25%', c], desc.at['75%', c]
    outliers[c] = int(((v < q1 - 1.5 * (q3 - q1)) | (v > q3 + 1.5 * (q3 - q1))).sum())
top = {c: df[c].value_counts().head(10).to_dict() for c in df.columns if c not in num.columns}
dups = int(df.duplicated().sum())
corr = num.corr()
t2 = time.perf_counter()
print(json.dumps({'tool': f'pandas {pd.__version__}', 'read_s': round(t1 - t0, 2), 'stats_s': round(t2 - t1, 2), 'total_s': round(t2 - t0, 2),
                  'max_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, 'duplicates': dups,
                  'mean_x1': desc.at['mean', 'x1'], 'p50_x4': desc.at['50%', 'x4'], 'hist_x3': hist['x3'], 'outliers_x4': outliers['x4'], 'corr_x1_y': corr.at['x1', 'y']}))
