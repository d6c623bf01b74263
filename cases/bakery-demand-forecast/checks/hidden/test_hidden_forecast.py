"""Hidden checks: the forecast for 2024-10-01..28 (future.csv, never shown) against the truth.

"Beats the baseline" and the special-day ratio come from checks/visible/forecast_rules.py, the
rules the visible advisory uses and the brief states.
"""

import math
import sys
from pathlib import Path

import pandas as pd
from caseportal_check import advisory, record_metric

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "visible"))

import forecast_rules as rules  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "data" / "sales.csv"
FUTURE = Path(__file__).resolve().parent / "future.csv"

_cache = {}


def run():
    if not _cache:
        import model

        history = pd.read_csv(DATA, keep_default_na=False)
        future = pd.read_csv(FUTURE, keep_default_na=False)
        fitted = model.train(history)
        pred = [float(p) for p in model.forecast(fitted, future.drop(columns="units_sold"))]
        _cache.update(model=model, fitted=fitted, history=history, future=future, pred=pred)
    return _cache


def test_october_mae_beats_seasonal_naive():
    c = run()
    assert len(c["pred"]) == len(c["future"]) and all(math.isfinite(p) for p in c["pred"])
    score = rules.mae(c["future"]["units_sold"], c["pred"])
    baseline = rules.mae(c["future"]["units_sold"], rules.seasonal_naive(c["history"], c["future"]))
    record_metric("mae", score)
    record_metric("baseline_mae", baseline)
    assert rules.beats_baseline(score, baseline), rules.verdict(score, baseline, "October")


def test_forecasts_are_not_negative():
    assert all(p >= 0 for p in run()["pred"])


def test_forecast_follows_row_order():
    c = run()
    future = c["future"].drop(columns="units_sold")
    order = list(range(len(future)))[::-1]
    again = [float(p) for p in c["model"].forecast(c["fitted"], future.iloc[order].reset_index(drop=True))]
    assert max(abs(a - c["pred"][i]) for a, i in zip(again, order, strict=True)) < 1e-6


def test_cinnamon_bun_day_is_anticipated():
    """Advisory: 4 October is Kanelbullens dag; last year's history shows what happens."""
    c = run()
    ratio = rules.special_day_ratio(c["future"], c["pred"], "2024-10-04")
    advisory("cinnamon_bun_day", ratio >= rules.SPECIAL_DAY_RATIO,
             f"forecast for 4 October is {ratio:.1f}x an ordinary Friday (last year it was about 3x)")
