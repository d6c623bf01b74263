"""The rules for "beats the baseline" and the special-day advisory, shared by the visible and
hidden checks so what the candidate sees while working (and reads in the brief) cannot drift
from what their submission is measured by."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: an advisory notes a special day forecast at less than this many ordinary same-weekday days
SPECIAL_DAY_RATIO = 1.5


def seasonal_naive(history: pd.DataFrame, future: pd.DataFrame) -> list[float]:
    """'Same weekday last week': every future row gets the units its store sold on the same
    weekday in the last seven days of ``history``, for all weeks of the forecast alike."""
    dates = pd.to_datetime(history["date"])
    last = history[dates > dates.max() - pd.Timedelta(days=7)]
    lookup = {(s, d): u for s, d, u in zip(last["store"], pd.to_datetime(last["date"]).dt.dayofweek,
                                             last["units_sold"], strict=True)}
    return [lookup[(s, d)] for s, d in zip(future["store"], pd.to_datetime(future["date"]).dt.dayofweek, strict=True)]


def mae(truth: Sequence[float], pred: Sequence[float]) -> float:
    """Mean absolute error in buns."""
    return sum(abs(float(t) - float(p)) for t, p in zip(truth, pred, strict=True)) / len(truth)


def beats_baseline(score: float, baseline: float) -> bool:
    """The forecast's MAE must be lower than the seasonal naive forecast's on the same rows."""
    return score < baseline


def verdict(score: float, baseline: float, where: str) -> str:
    """The same sentence in the visible advisory and the hidden check."""
    return f"{where} MAE {score:.1f} buns; 'same weekday last week' gets {baseline:.1f} (lower is better)"


def special_day_ratio(future: pd.DataFrame, pred: Sequence[float], date: str) -> float:
    """The forecast for ``date`` (all stores) over the mean forecast of the other days with the
    same weekday (all stores), so 1.0 means 'an ordinary day'."""
    dates = pd.to_datetime(future["date"])
    day = future["date"] == date
    same_weekday = (dates.dt.dayofweek == pd.Timestamp(date).dayofweek) & ~day
    forecast = pd.Series([float(p) for p in pred], index=future.index)
    ordinary = forecast[same_weekday].sum() / max(same_weekday.sum() / max(day.sum(), 1), 1)
    return float(forecast[day].sum() / max(ordinary, 1e-9))
