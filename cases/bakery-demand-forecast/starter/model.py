"""Demand forecast. The checks call ``train`` once on data/sales.csv and then ``forecast`` for
the next four weeks (the same columns, without ``units_sold``: the weather columns are the
forecast from SMHI, promos and holidays are planned).

Replace the placeholder below with your model. Keep both functions' signatures.
"""

from __future__ import annotations

import pandas as pd


def train(history: pd.DataFrame) -> object:
    """Fit on daily sales per store (columns as in data/sales.csv)."""
    last_week = history[history["date"] > sorted(history["date"].unique())[-8]]
    return last_week.groupby("store")["units_sold"].mean().to_dict()


def forecast(model: object, future: pd.DataFrame) -> list[float]:
    """Units per row of ``future``, in the same order."""
    return [model[store] for store in future["store"]]
