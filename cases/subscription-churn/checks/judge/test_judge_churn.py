"""Judge checks: the hold-out predictions the candidate's run recorded, scored against the labels in
holdout.csv (next to this file), in a container that never holds the candidate's code. "Beats the baseline"
is checks/lib/churn_rules.py, the visible checks' rule (the brief states it)."""

import math
from pathlib import Path

import churn_rules
import pandas as pd
from caseportal_check import observed, record_metric

HERE = Path(__file__).resolve().parent
HOLDOUT = HERE / "holdout.csv"


def numbers(values, count, what):
    assert isinstance(values, list) and len(values) == count, f"{what}: expected {count} predictions"
    assert all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values), \
        f"{what}: every prediction must be a finite number"
    return [float(v) for v in values]


def predictions():
    holdout = pd.read_csv(HOLDOUT)
    seen = observed("holdout_predictions")
    assert isinstance(seen, dict), "the recorded predictions are malformed"
    assert seen.get("account_id") == list(holdout["account_id"]), "the predictions are not for the hold-out rows"
    return holdout, seen


def test_holdout_roc_auc_beats_baseline():
    holdout, seen = predictions()
    scores = numbers(seen.get("scores"), len(holdout), "hold-out")
    auc, baseline = churn_rules.scores(holdout, scores)
    record_metric("roc_auc", auc)
    record_metric("baseline_roc_auc", baseline)
    assert churn_rules.beats_baseline(auc, baseline), churn_rules.verdict(auc, baseline, "hold-out")


def test_predictions_follow_row_order():
    """Shuffling the rows must shuffle the predictions the same way (no reliance on the index)."""
    holdout, seen = predictions()
    scores = numbers(seen.get("scores"), len(holdout), "hold-out")
    again = numbers(seen.get("reversed"), len(holdout), "reversed rows")
    assert max(abs(a - scores[i]) for a, i in zip(again, range(len(scores) - 1, -1, -1), strict=True)) < 1e-9


def test_predicts_customers_without_nps():
    holdout, seen = predictions()
    missing = int(holdout["nps"].isna().sum())
    assert missing > 0
    scores = numbers(seen.get("no_nps"), missing, "customers without NPS")
    assert all(0 <= s <= 1 for s in scores)
