"""Hidden checks: the model is scored on 1,000 later customers it has never seen (holdout.csv).

"Beats the baseline" comes from checks/visible/churn_rules.py, the rule the visible advisory
uses and the brief states.
"""

import math
import sys
from pathlib import Path

import pandas as pd
from caseportal_check import record_metric

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "visible"))

import churn_rules  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "data" / "customers.csv"
HOLDOUT = Path(__file__).resolve().parent / "holdout.csv"

_cache = {}


def scored():
    """Train once and score the hold-out; shared by the tests below."""
    if not _cache:
        import model

        holdout = pd.read_csv(HOLDOUT)
        fitted = model.train(pd.read_csv(DATA))
        features = holdout.drop(columns="churned")
        _cache.update(model=model, fitted=fitted, holdout=holdout,
                      scores=[float(s) for s in model.predict(fitted, features)])
    return _cache


def test_holdout_roc_auc_beats_baseline():
    c = scored()
    holdout, scores = c["holdout"], c["scores"]
    assert len(scores) == len(holdout) and all(math.isfinite(s) for s in scores)
    auc, baseline = churn_rules.scores(holdout, scores)
    record_metric("roc_auc", auc)
    record_metric("baseline_roc_auc", baseline)
    assert churn_rules.beats_baseline(auc, baseline), churn_rules.verdict(auc, baseline, "hold-out")


def test_predictions_follow_row_order():
    """Shuffling the rows must shuffle the predictions the same way (no reliance on the index)."""
    c = scored()
    holdout = c["holdout"].drop(columns="churned")
    order = list(range(len(holdout)))[::-1]
    shuffled = holdout.iloc[order].reset_index(drop=True)
    again = [float(s) for s in c["model"].predict(c["fitted"], shuffled)]
    expected = [c["scores"][i] for i in order]
    assert max(abs(a - b) for a, b in zip(again, expected, strict=True)) < 1e-9


def test_predicts_customers_without_nps():
    c = scored()
    rows = c["holdout"][c["holdout"]["nps"].isna()].drop(columns="churned")
    assert len(rows) > 0
    scores = [float(s) for s in c["model"].predict(c["fitted"], rows)]
    assert all(math.isfinite(s) and 0 <= s <= 1 for s in scores)
