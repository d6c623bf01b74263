"""Reference forecast: a log-linear regression with multiplicative effects per store.

Demand at a bakery is multiplicative (a rainy Saturday in July is *proportionally* lower),
so the model works on log(units) with weekday, weather, promo, holiday and special-day terms
and a per-store level and trend. Simple, fast, and each coefficient reads as "+x %".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

EVENTS = ("kanelbullens_dag", "fettisdagen")


def features(df: pd.DataFrame, stores: list[str], origin: pd.Timestamp) -> pd.DataFrame:
    date = pd.to_datetime(df["date"])
    x = pd.DataFrame(index=df.index)
    for s in stores:
        x[f"store_{s}"] = (df["store"] == s).astype(float)
    for d in range(1, 7):
        x[f"weekday_{d}"] = (date.dt.dayofweek == d).astype(float)
    x["years"] = (date - origin).dt.days / 365.0
    x["cold"] = 12 - df["temp_c"]
    x["rain"] = (df["rain_mm"] > 5).astype(float)
    x["july"] = (date.dt.month == 7).astype(float)
    x["promo"] = df["promo"].astype(float)
    x["holiday"] = df["is_holiday"].astype(float)
    event = df["event"].fillna("")
    for e in EVENTS:
        x[f"event_{e}"] = (event == e).astype(float)
    return x


def train(history: pd.DataFrame) -> object:
    stores = sorted(history["store"].unique())
    origin = pd.to_datetime(history["date"]).min()
    model = Ridge(alpha=0.1).fit(features(history, stores, origin), np.log1p(history["units_sold"]))
    return {"model": model, "stores": stores, "origin": origin}


def forecast(model: object, future: pd.DataFrame) -> list[float]:
    m = model  # type: ignore[assignment]
    pred = np.expm1(m["model"].predict(features(future, m["stores"], m["origin"])))  # type: ignore[index]
    return np.clip(pred, 0, None).tolist()
