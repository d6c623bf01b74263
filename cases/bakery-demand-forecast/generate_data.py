"""Generate daily cinnamon-bun sales for three bakeries (stdlib only, fixed seed).

Writes data/sales.csv (history up to 2024-09-30, what the candidate sees) and
checks/hidden/future_features.csv (2024-10-01..2024-10-28 without the sales, for the probe in full runs) and
checks/judge/future.csv (the same days with the true sales: only the judge's container gets them).

Demand = store level x weekday x season x weather x promo x holiday x special days x noise,
with a slow upward trend. 4 October is Kanelbullens dag (cinnamon-bun day): the history has
2023's, so a candidate who looks at the data can see it coming in the forecast period.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from pathlib import Path

SEED = 4102024
HERE = Path(__file__).resolve().parent
START, HISTORY_END, END = dt.date(2023, 1, 2), dt.date(2024, 9, 30), dt.date(2024, 10, 28)
STORES = {"sodermalm": 140, "vasastan": 95, "kungsholmen": 70}
WEEKDAY = [0.80, 0.82, 0.88, 0.95, 1.15, 1.55, 1.35]  # Mon..Sun
HOLIDAYS = {  # Swedish red days in the period (stores open, fewer commuters)
    "2023-01-06", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-18", "2023-06-06", "2023-06-23",
    "2023-11-04", "2023-12-25", "2023-12-26", "2024-01-01", "2024-01-06", "2024-03-29", "2024-04-01",
    "2024-05-01", "2024-05-09", "2024-06-06", "2024-06-21", "2024-11-02",
}
EVENTS = {"2023-10-04": "kanelbullens_dag", "2024-10-04": "kanelbullens_dag",
          "2023-02-21": "fettisdagen", "2024-02-13": "fettisdagen"}
COLUMNS = ["date", "store", "units_sold", "temp_c", "rain_mm", "is_holiday", "promo", "event"]


def rows(rng: random.Random) -> list[dict[str, object]]:
    out = []
    day = START
    while day <= END:
        doy = day.timetuple().tm_yday
        temp = 7 - 11 * math.cos(2 * math.pi * (doy - 20) / 365) + rng.gauss(0, 3)
        rain = round(rng.expovariate(1 / 4), 1) if rng.random() < 0.35 else 0.0
        trend = 1 + 0.08 * (day - START).days / 365
        for store, level in STORES.items():
            promo = int(day.weekday() in (1, 2) and rng.random() < 0.18)
            holiday = day.isoformat() in HOLIDAYS
            event = EVENTS.get(day.isoformat(), "")
            m = level * WEEKDAY[day.weekday()] * trend
            m *= 1 + 0.018 * (12 - temp)  # cold days sell more buns
            m *= 0.88 if rain > 5 else 1.0
            m *= 0.78 if day.month == 7 else 1.0  # Stockholm empties in July
            m *= 1.35 if promo else 1.0
            m *= 0.7 if holiday else 1.0
            m *= 3.2 if event == "kanelbullens_dag" else 1.0
            m *= 0.75 if event == "fettisdagen" else 1.0  # everyone buys semlor instead
            units = max(0, round(m * rng.gauss(1, 0.09)))
            out.append({"date": day.isoformat(), "store": store, "units_sold": units, "temp_c": round(temp, 1),
                        "rain_mm": rain, "is_holiday": int(holiday), "promo": promo, "event": event})
        day += dt.timedelta(days=1)
    return out


def write(path: Path, data: list[dict[str, object]], columns: list[str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns or COLUMNS, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(data)


def main() -> None:
    data = rows(random.Random(SEED))
    history = [r for r in data if r["date"] <= HISTORY_END.isoformat()]
    future = [r for r in data if r["date"] > HISTORY_END.isoformat()]
    write(HERE / "data" / "sales.csv", history)
    # October's features go to the probe in the candidate's container, the true sales only to the judge.
    write(HERE / "checks" / "hidden" / "future_features.csv", future, [c for c in COLUMNS if c != "units_sold"])
    write(HERE / "checks" / "judge" / "future.csv", future)
    print(f"wrote {len(history)} history rows and {len(future)} future rows")


if __name__ == "__main__":
    main()
