"""Regenerates the CSVs in this folder from Debian's python3-sklearn bundled data.

Run with Debian's Python: /usr/bin/python3 datasets/tabular/convert.py
Each CSV: a header row, the label in the first column (named `target`), then the features by
scikit-learn's feature names. Values are written with repr() so they round-trip exactly.
"""
import os
import re
from sklearn import datasets

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, bunch):
    path = os.path.join(HERE, name + '.csv')
    names = [re.sub(r'[^0-9a-zA-Z]+', '_', str(n).replace('(cm)', '')).strip('_') for n in bunch.feature_names]
    with open(path, 'w') as f:
        f.write(','.join(['target'] + names) + '\n')
        for x, y in zip(bunch.data, bunch.target):
            yv = int(y) if float(y).is_integer() else float(y)
            f.write(','.join([repr(yv)] + [fmt(v) for v in x]) + '\n')
    print(path, bunch.data.shape)


def fmt(v):
    v = float(v)
    return repr(int(v)) if v.is_integer() else repr(v)


write('iris', datasets.load_iris())
write('wine', datasets.load_wine())
write('breast_cancer', datasets.load_breast_cancer())
write('diabetes', datasets.load_diabetes(scaled=False))
write('digits', datasets.load_digits())
