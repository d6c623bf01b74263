"""Visible checks for model.py: the interface, plus an advisory back-test on September 2024
(train on history before it, forecast it) with the rule of the hidden check (forecast_rules.py)."""

import math
from pathlib import Path

import forecast_rules as rules
import pandas as pd
from caseportal_check import advisory, record_metric

DATA = Path(__file__).resolve().parents[2] / "data" / "sales.csv"


def split():
    sales = pd.read_csv(DATA, keep_default_na=False)
    cut = "2024-09-02"
    return sales[sales["date"] < cut].reset_index(drop=True), sales[sales["date"] >= cut].reset_index(drop=True)


def test_forecast_one_number_per_row():
    import model

    history, future = split()
    pred = [float(p) for p in model.forecast(model.train(history), future.drop(columns="units_sold"))]
    assert len(pred) == len(future), f"got {len(pred)} forecasts for {len(future)} rows"
    assert all(math.isfinite(p) and p >= 0 for p in pred), "forecasts must be finite and not negative"


def test_backtest_september():
    import model

    history, future = split()
    pred = [float(p) for p in model.forecast(model.train(history), future.drop(columns="units_sold"))]
    score = rules.mae(future["units_sold"], pred)
    baseline = rules.mae(future["units_sold"], rules.seasonal_naive(history, future))
    record_metric("backtest_mae", score)
    record_metric("backtest_baseline_mae", baseline)
    advisory("backtest_beats_seasonal_naive", rules.beats_baseline(score, baseline),
             rules.verdict(score, baseline, "September back-test"))
