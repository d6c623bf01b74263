"""Reference churn model: a regularised logistic regression on a handful of engineered features.

Chosen over gradient boosting because it scores as well or better on this data size, is
stable, and its coefficients are something Customer Success can act on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def features(df: pd.DataFrame) -> pd.DataFrame:
    """Ratios and flags that describe *change* in usage, which matters more than size."""
    x = pd.DataFrame(index=df.index)
    x["monthly"] = (df["contract"] == "monthly").astype(int)
    x["log_tenure"] = np.log1p(df["tenure_months"])
    x["usage_ratio"] = ((df["bookings_30d"] + 1) / (df["bookings_prev_30d"] + 1)).clip(upper=3)
    x["active_share"] = df["active_users_30d"] / df["seats"].clip(lower=1)
    x["logins_per_seat"] = df["logins_30d"] / df["seats"].clip(lower=1)
    x["failures"] = df["payment_failures_12m"].clip(upper=4)
    x["tickets"] = df["support_tickets_90d"].clip(upper=10)
    x["last_login"] = df["last_login_days"].clip(upper=60)
    x["nps_missing"] = df["nps"].isna().astype(int)
    x["nps"] = df["nps"].fillna(5)
    return x


def train(customers: pd.DataFrame) -> object:
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    model.fit(features(customers), customers["churned"])
    return model


def predict(model: object, customers: pd.DataFrame) -> list[float]:
    return model.predict_proba(features(customers))[:, 1].tolist()  # type: ignore[attr-defined]
