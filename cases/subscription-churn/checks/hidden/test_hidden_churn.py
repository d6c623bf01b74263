"""Probes, in the candidate's container during full runs: the model is trained on data/ and predicts 1,000
later customers from their features only (holdout_features.csv: no labels here, the candidate's code can read
this folder). The predictions, again in reversed row order, and for the customers without an NPS, are saved as
an observation; the judge scores them against the labels in a container without candidate code."""

from pathlib import Path

import pandas as pd
from caseportal_check import probe

DATA = Path(__file__).resolve().parents[2] / "data" / "customers.csv"
FEATURES = Path(__file__).resolve().parent / "holdout_features.csv"


@probe
def test_holdout_predictions():
    import model

    features = pd.read_csv(FEATURES)
    fitted = model.train(pd.read_csv(DATA))
    scores = [float(s) for s in model.predict(fitted, features)]
    order = list(range(len(features)))[::-1]
    reversed_scores = [float(s) for s in model.predict(fitted, features.iloc[order].reset_index(drop=True))]
    no_nps = features[features["nps"].isna()]
    return {"account_id": list(features["account_id"]), "scores": scores, "reversed": reversed_scores,
            "no_nps": [float(s) for s in model.predict(fitted, no_nps)], "no_nps_rows": len(no_nps)}
