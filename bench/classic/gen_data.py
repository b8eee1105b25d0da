#!/usr/bin/python3
"""Synthetic data for the classic-algorithm benchmark (Linear Learner, k-means, PCA vs scikit-learn).

Writes bench/.data/classic_200k_50.csv: make_classification(200_000, 50, n_informative=20,
n_redundant=10, flip_y=0.01, random_state=0), label first, no header (SageMaker's CSV convention),
values '%.6g'. Rows [0, 160000) train, [160000, 200000) test. Both sides read this same file.
Run: /usr/bin/python3 bench/classic/gen_data.py   (~15 s)
"""
import os
import numpy as np
from sklearn.datasets import make_classification

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '.data')
os.makedirs(OUT, exist_ok=True)
X, y = make_classification(n_samples=200_000, n_features=50, n_informative=20, n_redundant=10,
                           flip_y=0.01, random_state=0)
path = os.path.join(OUT, 'classic_200k_50.csv')
np.savetxt(path, np.column_stack([y, X]), fmt='%.6g', delimiter=',')
print(path, os.path.getsize(path) // 1_000_000, 'MB')
