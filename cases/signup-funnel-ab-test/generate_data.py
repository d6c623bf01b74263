"""Generate the events databases for the signup funnel / A/B test case (stdlib only, fixed seeds).

Writes data/events.db (what the candidate sees) and checks/judge/events_hidden.db (another world
with its own seed, dates, rates and bug, only mounted in the judge's container). Both are built in memory and
written with VACUUM INTO, so running this twice gives identical bytes with the same SQLite.

The planted problem: experiment "bankid_signup" should split new users 50/50, but one app
release logs variant B's assignment only on the user's second screen. B users who leave after the
first screen are missing from experiment_assignments, so B looks far better than it is and the
split is off (a sample-ratio mismatch) on that platform from the release day on.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
FMT = "%Y-%m-%d %H:%M:%S"
EXPERIMENT, OTHER_EXPERIMENT = "bankid_signup", "search_ranking_v2"
SCHEMA = """
CREATE TABLE experiments (
    experiment_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    started_at TEXT NOT NULL,
    planned_share_b REAL NOT NULL
);
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    first_seen_at TEXT NOT NULL,
    platform TEXT NOT NULL,
    app_version TEXT,
    is_internal INTEGER NOT NULL
);
CREATE TABLE events (
    event_id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(user_id),
    event_name TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
CREATE TABLE experiment_assignments (
    user_id INTEGER NOT NULL REFERENCES users(user_id),
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
    variant TEXT NOT NULL,
    assigned_at TEXT NOT NULL
);
"""
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 7, 8, 7, 6, 6, 7, 8, 9, 10, 10, 8, 5, 2]


@dataclass(frozen=True)
class World:
    """One database's parameters: the hidden one differs in every number that a query could bake in."""

    seed: int
    start: dt.date
    days: int
    users: int
    first_user_id: int
    platforms: dict[str, float]
    versions: tuple[str, str]  # (before the release, from the release on)
    release_day: int
    buggy_platform: str
    bounce: float  # leaves after the first screen
    start_signup: float
    complete: dict[str, float]  # by variant
    book: float
    internal: float
    experiment_ids: tuple[int, int, int]  # provider_photos (ended), search_ranking_v2, bankid_signup


VISIBLE = World(seed=20250311, start=dt.date(2025, 3, 3), days=28, users=1500, first_user_id=100001,
                platforms={"android": 0.42, "ios": 0.36, "web": 0.22}, versions=("5.13.2", "5.14.0"),
                release_day=4, buggy_platform="android", bounce=0.55, start_signup=0.56,
                complete={"A": 0.55, "B": 0.585}, book=0.36, internal=0.015,
                experiment_ids=(6, 7, 8))
HIDDEN = World(seed=7042031, start=dt.date(2025, 4, 7), days=21, users=1400, first_user_id=340001,
               platforms={"android": 0.31, "ios": 0.46, "web": 0.23}, versions=("5.15.0", "5.15.1"),
               release_day=6, buggy_platform="ios", bounce=0.5, start_signup=0.6,
               complete={"A": 0.57, "B": 0.54}, book=0.31, internal=0.02,
               experiment_ids=(9, 12, 10))


def ts(t: dt.datetime) -> str:
    return t.strftime(FMT)


def experiments(w: World) -> list[tuple]:
    photos, ranking, bankid = w.experiment_ids
    start = dt.datetime.combine(w.start, dt.time())
    weeks_before = [ts(start - dt.timedelta(days=7 * n, hours=-9)) for n in (7, 1)]
    return sorted([
        (photos, "provider_photos", "B: bigger photos on provider pages", weeks_before[0], 0.5),
        (ranking, OTHER_EXPERIMENT, "B: new ranking of search results", weeks_before[1], 0.5),
        (bankid, EXPERIMENT, "A: today's signup form (email and password); B: sign up with BankID in one step",
         ts(start), 0.5),
    ])


def simulate(w: World) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Users, events and assignments for one world, each list in a deterministic order."""
    rng = random.Random(w.seed)
    bankid, ranking = w.experiment_ids[2], w.experiment_ids[1]
    start = dt.datetime.combine(w.start, dt.time())
    cutoff = start + dt.timedelta(days=w.days + 7)  # every user has a full 7 days of events
    release = start + dt.timedelta(days=w.release_day)
    firsts = []
    for _ in range(w.users):
        day = rng.randrange(w.days)
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        firsts.append(start + dt.timedelta(days=day, hours=hour, seconds=rng.randrange(3600)))
    firsts.sort()
    users, events, assignments = [], [], []
    for i, t0 in enumerate(firsts):
        uid = w.first_user_id + i
        platform = rng.choices(list(w.platforms), weights=list(w.platforms.values()))[0]
        version = None if platform == "web" else w.versions[t0 >= release]
        internal = rng.random() < w.internal
        variant = "B" if rng.random() < (0.8 if internal else 0.5) else "A"
        users.append((uid, ts(t0), platform, version, int(internal)))

        bounced = not internal and rng.random() < w.bounce
        active_from: dt.datetime | None = t0 + dt.timedelta(seconds=rng.randrange(20, 400))
        if bounced:  # a few come back days later
            active_from = t0 + dt.timedelta(days=rng.uniform(1, 12)) if rng.random() < 0.1 else None
        assigned = t0 + dt.timedelta(seconds=rng.randrange(1, 30))
        lost = bounced and variant == "B" and platform == w.buggy_platform and version == w.versions[1]
        if not lost:
            assignments.append((uid, bankid, variant, ts(assigned)))
            if rng.random() < 0.012:  # logged again after a reinstall: same variant, later
                again = assigned + dt.timedelta(days=rng.uniform(2, 20))
                assignments.append((uid, bankid, variant, ts(again)))
        if rng.random() < 0.1:
            other = t0 + dt.timedelta(minutes=rng.uniform(1, 600))
            assignments.append((uid, ranking, rng.choice("AB"), ts(other)))
        if active_from is None:
            continue

        started = rng.random() < (0.95 if internal else w.start_signup + (-0.06 if platform == "web" else 0.0))
        if not started:
            if rng.random() < 0.035:  # guests may book without an account
                events.append((uid, "first_booking", active_from + dt.timedelta(minutes=rng.uniform(2, 40))))
            continue
        t_start = active_from + dt.timedelta(minutes=rng.uniform(0.5, 20))
        events.append((uid, "signup_started", t_start))
        for _ in range((rng.random() < 0.25) + (rng.random() < 0.08)):  # the form re-fires the event
            events.append((uid, "signup_started", t_start + dt.timedelta(seconds=rng.randrange(5, 900))))
        if rng.random() >= (0.9 if internal else w.complete[variant]):
            continue
        late = rng.random() < 0.13
        t_done = t_start + (dt.timedelta(days=rng.uniform(1, 12)) if late else dt.timedelta(minutes=rng.uniform(1, 15)))
        events.append((uid, "signup_completed", t_done))
        if rng.random() < 0.03:
            events.append((uid, "signup_completed", t_done + dt.timedelta(seconds=1)))
        if rng.random() < (0.7 if internal else w.book):
            events.append((uid, "first_booking", t_done + dt.timedelta(days=rng.expovariate(1 / 2.5))))

    events = sorted((e for e in events if e[2] < cutoff), key=lambda e: (e[2], e[0], e[1]))
    numbered = [(n, uid, name, ts(t)) for n, (uid, name, t) in enumerate(events, start=1)]
    assignments.sort(key=lambda a: (a[3], a[0], a[1]))
    return users, numbered, assignments


def planted_mismatch(db: sqlite3.Connection, w: World) -> float:
    """Chi-square of the buggy platform's A/B split: the case is pointless if the bug does not show."""
    a, b = db.execute(
        "SELECT SUM(variant = 'A'), SUM(variant = 'B') FROM (SELECT DISTINCT a.user_id, a.variant"
        " FROM experiment_assignments AS a JOIN users AS u ON u.user_id = a.user_id"
        " WHERE a.experiment_id = ? AND u.platform = ? AND u.is_internal = 0)",
        (w.experiment_ids[2], w.buggy_platform)).fetchone()
    return (a - b) ** 2 / (a + b)


def write(w: World, path: Path) -> dict[str, int | float]:
    """Build the database in memory and VACUUM it into ``path`` (a fresh file every time)."""
    users, events, assignments = simulate(w)
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO experiments VALUES (?, ?, ?, ?, ?)", experiments(w))
    db.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?)", users)
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", events)
    db.executemany("INSERT INTO experiment_assignments VALUES (?, ?, ?, ?)", assignments)
    db.commit()
    chi_square = planted_mismatch(db, w)
    if chi_square <= 10.83:
        raise SystemExit(f"seed {w.seed}: the {w.buggy_platform} split looks fine (chi-square {chi_square:.1f})")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db.execute("VACUUM INTO ?", (str(path),))
    db.close()
    return {"users": len(users), "events": len(events), "assignments": len(assignments),
            "planted_chi_square": round(chi_square, 1)}


def main() -> None:
    for world, path in ((VISIBLE, HERE / "data" / "events.db"),
                        (HIDDEN, HERE / "checks" / "judge" / "events_hidden.db")):
        counts = write(world, path)
        print(f"wrote {path.relative_to(HERE)}: {counts}, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
