"""Judge checks: the October forecast the candidate's run recorded, scored against the true sales in
future.csv (next to this file), in a container that never holds the candidate's code. "Beats the baseline"
and the special-day ratio are checks/lib/forecast_rules.py, the visible checks' rules (the brief states them)."""

import math
from pathlib import Path

import forecast_rules as rules
import pandas as pd
from caseportal_check import advisory, observed, record_metric

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "data" / "sales.csv"
FUTURE = HERE / "future.csv"


def numbers(values, count, what):
    assert isinstance(values, list) and len(values) == count, f"{what}: expected {count} forecasts"
    assert all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values), \
        f"{what}: every forecast must be a finite number"
    return [float(v) for v in values]


def run():
    future = pd.read_csv(FUTURE, keep_default_na=False)
    seen = observed("october_forecast")
    assert isinstance(seen, dict), "the recorded forecast is malformed"
    rows = [f"{d} {s}" for d, s in zip(future["date"], future["store"], strict=True)]
    assert seen.get("rows") == rows, "the forecast is not for October's rows"
    return future, numbers(seen.get("forecast"), len(future), "October"), seen


def test_october_mae_beats_seasonal_naive():
    future, pred, _ = run()
    history = pd.read_csv(DATA, keep_default_na=False)
    score = rules.mae(future["units_sold"], pred)
    baseline = rules.mae(future["units_sold"], rules.seasonal_naive(history, future))
    record_metric("mae", score)
    record_metric("baseline_mae", baseline)
    assert rules.beats_baseline(score, baseline), rules.verdict(score, baseline, "October")


def test_forecasts_are_not_negative():
    assert all(p >= 0 for p in run()[1])


def test_forecast_follows_row_order():
    future, pred, seen = run()
    again = numbers(seen.get("reversed"), len(future), "reversed rows")
    assert max(abs(a - pred[i]) for a, i in zip(again, range(len(pred) - 1, -1, -1), strict=True)) < 1e-6


def test_cinnamon_bun_day_is_anticipated():
    """Advisory: 4 October is Kanelbullens dag; last year's history shows what happens."""
    future, pred, _ = run()
    ratio = rules.special_day_ratio(future, pred, "2024-10-04")
    advisory("cinnamon_bun_day", ratio >= rules.SPECIAL_DAY_RATIO,
             f"forecast for 4 October is {ratio:.1f}x an ordinary Friday (last year it was about 3x)")
