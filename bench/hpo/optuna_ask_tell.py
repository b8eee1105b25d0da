#!/usr/bin/python3
"""Optuna 3.1 sampler driven over a pipe, so Optuna's TPE/Random tune the same objective as Loam's strategies.

usage: /usr/bin/python3 optuna_ask_tell.py SAMPLER(tpe|random) SEED TRIALS
Protocol (one JSON object per line): this process writes {"params": {...}} for each trial; the caller replies
with the objective value on one line. The distributions and their order are those of the shared
/work/shared/bench/hpo/hpo_xgb.py objective (eta, max_depth, min_child_weight, subsample, lambda), and
study.ask(fixed_distributions) samples exactly as study.optimize with those suggest_* calls does.
"""
import sys, json, warnings
import optuna
from optuna.distributions import FloatDistribution, IntDistribution

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
SAMPLER, SEED, TRIALS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
DISTS = {
    "eta": FloatDistribution(0.01, 0.5, log=True),
    "max_depth": IntDistribution(3, 10),
    "min_child_weight": FloatDistribution(1, 100, log=True),
    "subsample": FloatDistribution(0.5, 1.0),
    "lambda": FloatDistribution(1e-3, 100, log=True),
}
sampler = {"tpe": optuna.samplers.TPESampler(seed=SEED), "random": optuna.samplers.RandomSampler(seed=SEED)}[SAMPLER]
study = optuna.create_study(direction="maximize", sampler=sampler)
for _ in range(TRIALS):
    trial = study.ask(DISTS)
    print(json.dumps({"params": trial.params, "optuna": optuna.__version__}), flush=True)
    line = sys.stdin.readline()
    if not line:
        sys.exit(1)
    study.tell(trial, float(line))
