"""Visible checks for model.py: the interface works, plus an advisory validation score.

The validation score uses only data/customers.csv (a time-ordered split), never the hold-out,
and the same rule for "beats the baseline" as the hidden check (churn_rules.py).
"""

import math
from pathlib import Path

import churn_rules
import pandas as pd
from caseportal_check import advisory, record_metric

DATA = Path(__file__).resolve().parents[2] / "data" / "customers.csv"


def load():
    return pd.read_csv(DATA)


def test_train_and_predict_one_probability_per_row():
    import model

    customers = load()
    fitted = model.train(customers)
    sample = customers.head(200).drop(columns="churned")
    scores = [float(s) for s in model.predict(fitted, sample)]
    assert len(scores) == len(sample), f"got {len(scores)} predictions for {len(sample)} rows"
    bad = [s for s in scores if not (math.isfinite(s) and 0 <= s <= 1)]
    assert not bad, f"predictions must be probabilities between 0 and 1, got e.g. {bad[:3]}"


def test_validation_score():
    """Train on the first 75 %, score the last 25 %: a rough guide while you work."""
    import model

    customers = load()
    cut = int(len(customers) * 0.75)
    fit, val = customers.iloc[:cut], customers.iloc[cut:]
    predictions = [float(s) for s in model.predict(model.train(fit), val.drop(columns="churned"))]
    auc, baseline = churn_rules.scores(val, predictions)
    record_metric("validation_roc_auc", auc)
    record_metric("validation_baseline_roc_auc", baseline)
    advisory("validation_beats_baseline", churn_rules.beats_baseline(auc, baseline),
             churn_rules.verdict(auc, baseline, "validation"))
