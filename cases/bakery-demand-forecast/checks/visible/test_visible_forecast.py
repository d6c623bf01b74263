"""Visible checks for model.py: the interface, plus an advisory back-test on September 2024
(train on history before it, forecast it) compared with a seasonal naive forecast."""

import math
from pathlib import Path

import pandas as pd
from caseportal_check import advisory, record_metric

DATA = Path(__file__).resolve().parents[2] / "data" / "sales.csv"


def seasonal_naive(history: pd.DataFrame, future: pd.DataFrame) -> list[float]:
    """Same store, same weekday, in the last week of history."""
    dates = pd.to_datetime(history["date"])
    last = history[dates > dates.max() - pd.Timedelta(days=7)]
    lookup = {(s, d): u for s, d, u in zip(last["store"], pd.to_datetime(last["date"]).dt.dayofweek,
                                             last["units_sold"], strict=True)}
    return [lookup[(s, d)] for s, d in zip(future["store"], pd.to_datetime(future["date"]).dt.dayofweek, strict=True)]


def mae(truth, pred) -> float:
    return sum(abs(float(t) - float(p)) for t, p in zip(truth, pred, strict=True)) / len(truth)


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
    score, baseline = mae(future["units_sold"], pred), mae(future["units_sold"], seasonal_naive(history, future))
    record_metric("backtest_mae", score)
    record_metric("backtest_baseline_mae", baseline)
    advisory("backtest_beats_seasonal_naive", score < baseline,
             f"September back-test MAE {score:.1f} buns vs {baseline:.1f} for 'same weekday last week'")
