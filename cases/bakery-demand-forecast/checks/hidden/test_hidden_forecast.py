"""Probes, in the candidate's container during full runs: the model is trained on data/ and forecasts
2024-10-01..28 from the features only (future_features.csv: no sales here, the candidate's code can read this
folder). The forecast, and the forecast of the same days in reversed row order, are saved as an observation;
the judge scores them against the true sales in a container without candidate code."""

from pathlib import Path

import pandas as pd
from caseportal_check import probe

DATA = Path(__file__).resolve().parents[2] / "data" / "sales.csv"
FEATURES = Path(__file__).resolve().parent / "future_features.csv"


@probe
def test_october_forecast():
    import model

    history = pd.read_csv(DATA, keep_default_na=False)
    future = pd.read_csv(FEATURES, keep_default_na=False)
    fitted = model.train(history)
    pred = [float(p) for p in model.forecast(fitted, future)]
    order = list(range(len(future)))[::-1]
    again = [float(p) for p in model.forecast(fitted, future.iloc[order].reset_index(drop=True))]
    return {"rows": [f"{d} {s}" for d, s in zip(future["date"], future["store"], strict=True)], "forecast": pred,
            "reversed": again}
