"""The expected answers, computed in plain Python from the tables (never from SQL like the
candidate's), so the reference solution's SQL and these rules check each other in `cases check`.

The keyword flags switch off one rule at a time; the hidden checks use them to tell reviewers
which common slip a wrong result matches (internal users counted, no 7-day window, ...).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

EXPERIMENT = "bankid_signup"
SRM_THRESHOLD = 10.83  # chi-square, 1 degree of freedom, p < 0.001
SEGMENTS = ("all", "android", "ios", "web")
STEPS = ("first_visit", "signup_started", "signup_completed", "first_booking")
FMT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Tables:
    users: dict[int, tuple[str, str, int]]  # user_id -> (first_seen_at, platform, is_internal)
    events: dict[int, list[tuple[str, str]]]  # user_id -> [(event_name, occurred_at)]
    assignments: list[tuple[int, str, str, str]]  # (user_id, experiment name, variant, assigned_at)


def load(db: Path) -> Tables:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        users = {u: (t, p, i) for u, t, p, i in conn.execute(
            "SELECT user_id, first_seen_at, platform, is_internal FROM users")}
        events: dict[int, list[tuple[str, str]]] = {}
        for u, name, t in conn.execute("SELECT user_id, event_name, occurred_at FROM events"):
            events.setdefault(u, []).append((name, t))
        assignments = list(conn.execute(
            "SELECT a.user_id, x.name, a.variant, a.assigned_at"
            " FROM experiment_assignments AS a JOIN experiments AS x ON x.experiment_id = a.experiment_id"))
    finally:
        conn.close()
    return Tables(users, events, assignments)


def plus_7_days(t: str) -> str:
    return (dt.datetime.strptime(t, FMT) + dt.timedelta(days=7)).strftime(FMT)


def did(tables: Tables, user: int, event: str, since: str, window: bool = True) -> bool:
    """Whether ``user`` has ``event`` at or after ``since`` and, with the window, before 7 days later."""
    end = plus_7_days(since)
    return any(name == event and t >= since and (not window or t < end) for name, t in tables.events.get(user, []))


def _segments(platform: str) -> tuple[str, str]:
    return ("all", platform)


def funnel(tables: Tables, *, internal: bool = False, window: bool = True, nested: bool = True) -> list[dict]:
    reached = {(s, step): 0 for s in SEGMENTS for step in STEPS}
    for user, (first_seen, platform, is_internal) in tables.users.items():
        if is_internal and not internal:
            continue
        ok = True
        for step in STEPS:
            here = step == "first_visit" or did(tables, user, step, first_seen, window)
            ok = (ok and here) if nested else here
            if ok:
                for seg in _segments(platform):
                    reached[(seg, step)] += 1
    out = []
    for seg in SEGMENTS:
        previous = None
        for step in STEPS:
            n = reached[(seg, step)]
            rate = 1.0 if previous is None else (n / previous if previous else None)
            out.append({"segment": seg, "step": step, "users": n, "conversion_from_previous": rate})
            previous = n
    return out


def assigned(tables: Tables, *, internal: bool = False, experiment_only: bool = True,
             latest: bool = False) -> dict[int, tuple[str, str]]:
    """user_id -> (variant, first assigned_at) of the experiment's non-internal users."""
    out: dict[int, tuple[str, str]] = {}
    for user, experiment, variant, at in tables.assignments:
        if (experiment != EXPERIMENT and experiment_only) or (tables.users[user][2] and not internal):
            continue
        if user not in out or (at > out[user][1] if latest else at < out[user][1]):
            out[user] = (variant, at)
    return out


def ab_readout(tables: Tables, *, internal: bool = False, window: bool = True, experiment_only: bool = True,
               latest: bool = False) -> list[dict]:
    acc = {(s, v): [0, 0, 0] for s in SEGMENTS for v in "AB"}
    for user, (variant, at) in assigned(tables, internal=internal, experiment_only=experiment_only,
                                             latest=latest).items():
        platform = tables.users[user][1]
        signed = did(tables, user, "signup_completed", at, window)
        booked = did(tables, user, "first_booking", at, window)
        for seg in _segments(platform):
            row = acc[(seg, variant)]
            row[0] += 1
            row[1] += signed
            row[2] += booked
    return [{"segment": s, "variant": v, "users": n, "signups": su, "signup_rate": su / n if n else None,
             "bookings": b, "booking_rate": b / n if n else None}
            for (s, v), (n, su, b) in acc.items()]


def srm_check(tables: Tables, *, internal: bool = False, experiment_only: bool = True,
              distinct: bool = True) -> list[dict]:
    counts = {(s, v): 0 for s in SEGMENTS for v in "AB"}
    if distinct:
        pairs = [(user, variant) for user, (variant, _) in
                 assigned(tables, internal=internal, experiment_only=experiment_only).items()]
    else:
        pairs = [(user, variant) for user, experiment, variant, _ in tables.assignments
                 if (experiment == EXPERIMENT or not experiment_only) and (internal or not tables.users[user][2])]
    for user, variant in pairs:
        for seg in _segments(tables.users[user][1]):
            counts[(seg, variant)] += 1
    out = []
    for seg in SEGMENTS:
        a, b = counts[(seg, "A")], counts[(seg, "B")]
        chi = (a - b) ** 2 / (a + b) if a + b else None
        out.append({"segment": seg, "users_a": a, "users_b": b, "share_b": b / (a + b) if a + b else None,
                    "chi_square": chi, "srm": int(chi is not None and chi > SRM_THRESHOLD)})
    return out
