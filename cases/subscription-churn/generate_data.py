"""Generate the customer data for the churn case (stdlib only, fixed seed: reruns are identical).

Writes data/customers.csv (history the candidate sees, with labels) and
checks/hidden/holdout_features.csv (later customers without labels, for the probe in full runs) and
checks/judge/holdout.csv (the same customers with labels: only the judge's container gets them).

The churn signal is a latent logit with a few non-linear effects (usage collapse, failed
payments on monthly contracts, a ticket/usage interaction) so that a thoughtful model beats
the one-feature baseline clearly, and a plain logistic regression is decent but not best.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

SEED = 20240917
HERE = Path(__file__).resolve().parent
COLUMNS = [
    "account_id", "plan", "region", "contract", "seats", "tenure_months", "monthly_fee_sek",
    "logins_30d", "active_users_30d", "bookings_30d", "bookings_prev_30d", "support_tickets_90d",
    "payment_failures_12m", "last_login_days", "nps", "churned",
]
PLANS = {"starter": (1, 3, 299), "team": (3, 15, 249), "business": (10, 60, 219)}  # seats range, fee per seat
REGIONS = ["stockholm", "goteborg", "malmo", "uppsala", "norrland"]


def customer(rng: random.Random, account_id: int) -> dict[str, object]:
    plan = rng.choices(list(PLANS), weights=[5, 4, 1])[0]
    lo, hi, fee = PLANS[plan]
    seats = rng.randint(lo, hi)
    contract = "annual" if rng.random() < (0.25 if plan == "starter" else 0.5) else "monthly"
    tenure = max(1, int(rng.expovariate(1 / 18)))
    engagement = rng.betavariate(2.2, 1.6)  # hidden: how much the business relies on us
    collapse = rng.random() < 0.12  # hidden: usage dropped recently (moved to a competitor?)
    active = max(0, min(seats, round(seats * engagement + rng.gauss(0, 0.5))))
    logins = max(0, int(rng.gauss(active * 14 * engagement, 3 + active)))
    prev_bookings = max(0, int(rng.gauss(60 * seats * engagement, 10 + 5 * seats)))
    ratio = rng.uniform(0.15, 0.6) if collapse else rng.gauss(1.0, 0.12)
    bookings = max(0, int(prev_bookings * ratio))
    last_login = int(rng.expovariate(1 / (2 + 25 * (1 - engagement) + (20 if collapse else 0))))
    if collapse:
        logins = int(logins * ratio)
    tickets = int(rng.expovariate(1 / (0.6 + 1.5 * (1 - engagement))))
    failures = int(rng.expovariate(1 / 0.35)) if contract == "monthly" else int(rng.random() < 0.05)
    nps_answered = rng.random() < 0.55
    nps = max(0, min(10, round(rng.gauss(3 + 6 * engagement, 1.8)))) if nps_answered else None

    z = (-0.5
         + (0.9 if contract == "monthly" else -0.6)
         - 0.9 * math.log1p(tenure) / math.log(10)
         - 2.4 * engagement
         + (1.9 if collapse else 0.0)
         + 0.55 * min(failures, 4)
         + 0.35 * (tickets >= 3) * (engagement < 0.5) * tickets / 3
         + 0.02 * min(last_login, 60)
         + (-0.25 * (nps - 5) / 5 if nps is not None else 0.0))
    churned = int(rng.random() < 1 / (1 + math.exp(-z)))
    return {
        "account_id": f"A{account_id:05d}", "plan": plan, "region": rng.choice(REGIONS), "contract": contract,
        "seats": seats, "tenure_months": tenure, "monthly_fee_sek": seats * fee,
        "logins_30d": logins, "active_users_30d": active, "bookings_30d": bookings,
        "bookings_prev_30d": prev_bookings, "support_tickets_90d": tickets, "payment_failures_12m": failures,
        "last_login_days": last_login, "nps": "" if nps is None else nps, "churned": churned,
    }


def write(path: Path, rows: list[dict[str, object]], columns: tuple[str, ...] | list[str] = COLUMNS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    rows = [customer(rng, i) for i in range(1, 3001)]
    write(HERE / "data" / "customers.csv", rows[:2000])
    # The hold-out's features go to the probe in the candidate's container, its labels only to the judge.
    write(HERE / "checks" / "hidden" / "holdout_features.csv", rows[2000:], [c for c in COLUMNS if c != "churned"])
    write(HERE / "checks" / "judge" / "holdout.csv", rows[2000:])
    rate = sum(r["churned"] for r in rows) / len(rows)
    print(f"wrote {len(rows)} customers, churn rate {rate:.1%}")


if __name__ == "__main__":
    main()
