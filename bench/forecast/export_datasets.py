#!/usr/bin/python3
"""Writes datasets/timeseries/<panel>.jsonl (SageMaker DeepAR records) from the long-format CSVs that
forecast_baselines.py exports to $BENCH_DATA/ts/ (statsmodels' bundled datasets, Debian python3-statsmodels).

usage: /usr/bin/python3 export_datasets.py   (after forecast_baselines.py has run once)
"""
import csv, json, os, sys

BENCH_DATA = os.environ.get("BENCH_DATA", os.path.expanduser("~/.cache/loam-bench/data"))
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "datasets", "timeseries")

for panel in ("monthly3", "macro9", "sunspots", "nile"):
    series = {}
    with open(os.path.join(BENCH_DATA, "ts", panel + ".csv")) as f:
        for row in csv.DictReader(f):
            s = series.setdefault(row["series"], {"start": row["timestamp"] + " 00:00:00", "target": []})
            s["target"].append(float(row["value"]))
    with open(os.path.join(OUT, panel + ".jsonl"), "w") as f:
        for i, (name, s) in enumerate(series.items()):
            f.write(json.dumps({"start": s["start"], "target": s["target"], "cat": [i], "item_id": name}) + "\n")
    print(panel, {k: len(v["target"]) for k, v in series.items()}, file=sys.stderr)
