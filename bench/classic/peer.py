#!/usr/bin/python3
"""scikit-learn 1.2 side of bench/classic: fit times on bench/.data/classic_200k_50.csv (see gen_data.py).

Prints one JSON line per algorithm: {"side": "sklearn", "algo", "fit_s", quality fields}. Data load and
standardisation are outside the timed region, as on the Loam side. Threads: whatever OMP_NUM_THREADS /
OPENBLAS_NUM_THREADS say (run.sh sets 2, the machine's core count).
"""
import json, os, sys, time
import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '.data', 'classic_200k_50.csv')
d = np.loadtxt(path, delimiter=',', dtype=np.float32)
X, y = d[:, 1:].astype(np.float64), d[:, 0]
Xtr, ytr, Xte, yte = X[:160000], y[:160000], X[160000:], y[160000:]
n = len(ytr)
WD = 1e-4


def emit(algo, t, **kw):
    print(json.dumps({'side': 'sklearn', 'algo': algo, 'fit_s': round(t, 3), **kw}), flush=True)


sc = StandardScaler().fit(Xtr)
S, T = sc.transform(Xtr), sc.transform(Xte)
# Linear Learner's objective mean(logloss) + wd/2·|w|² is LogisticRegression with C = 1/(n·wd).
t = time.perf_counter(); m = LogisticRegression(C=1 / (n * WD), max_iter=1000).fit(S, ytr); t = time.perf_counter() - t
emit('linear/logistic-lbfgs', t, test_auc=roc_auc_score(yte, m.decision_function(T)))
t = time.perf_counter()
m = SGDClassifier(loss='log_loss', alpha=WD, max_iter=15, tol=None, random_state=0).fit(S, ytr)
t = time.perf_counter() - t
emit('linear/logistic-sgd-15-epochs', t, test_auc=roc_auc_score(yte, m.decision_function(T)))

t = time.perf_counter(); km = KMeans(n_clusters=10, n_init=1, random_state=0).fit(Xtr); t = time.perf_counter() - t
emit('kmeans/k10', t, train_msd=km.inertia_ / n, test_msd=-km.score(Xte) / len(Xte))
t = time.perf_counter(); km = MiniBatchKMeans(n_clusters=10, batch_size=5000, n_init=1, random_state=0).fit(Xtr); t = time.perf_counter() - t
emit('kmeans/k10-minibatch', t, train_msd=-km.score(Xtr) / n, test_msd=-km.score(Xte) / len(Xte))

for mode in ('full', 'randomized'):
    t = time.perf_counter(); p = PCA(n_components=10, svd_solver=mode, random_state=0).fit(Xtr); t = time.perf_counter() - t
    emit(f'pca/k10-{mode}', t, explained_variance_0=float(p.explained_variance_[0]), explained_variance_9=float(p.explained_variance_[9]))
