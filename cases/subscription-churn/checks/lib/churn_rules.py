"""The one rule for "beats the baseline", shared by the visible advisory and the hidden check.

Both import it from here so the rule the candidate sees while working (and reads in the brief)
cannot drift from the rule their submission is measured by.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sklearn.metrics import roc_auc_score

#: the one-feature rule the model is compared with: more days since anyone logged in = more risk
BASELINE_FEATURE = "last_login_days"
#: the model must rank clearly better than that rule, not just by noise (stated in the brief)
MARGIN = 0.02


def scores(customers: pd.DataFrame, predictions: Sequence[float]) -> tuple[float, float]:
    """ROC AUC of the predictions and of the baseline rule, on the same labelled customers."""
    auc = float(roc_auc_score(customers["churned"], list(predictions)))
    baseline = float(roc_auc_score(customers["churned"], customers[BASELINE_FEATURE]))
    return auc, baseline


def beats_baseline(auc: float, baseline: float) -> bool:
    """True when the model's ROC AUC is at least MARGIN above the rule's."""
    return auc >= baseline + MARGIN


def verdict(auc: float, baseline: float, where: str) -> str:
    """The same sentence in the visible advisory and the hidden check."""
    return (f"{where} ROC AUC {auc:.3f}; the rule 'days since last login' scores {baseline:.3f}, "
            f"so beating it needs at least {baseline + MARGIN:.3f} (+{MARGIN})")
