"""Run a candidate's SQL file safely and compare its result with the agreed output contract.

Shared by the visible and the hidden checks. A query is read as text from /work/queries and run
with Python's sqlite3 on a read-only connection with a time and memory limit, so a runaway or
writing query ends as a clear failed check instead of a hung or harmful run.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

WORK = Path(os.environ.get("CASEPORTAL_WORK", "/work"))
DATA_DB = Path(__file__).resolve().parents[2] / "data" / "events.db"
TIME_LIMIT_S = 10.0
MAX_ROWS = 200
HEAP_LIMIT_BYTES = 256 * 1024 * 1024
_READING = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
SEGMENTS = ("all", "android", "ios", "web")
STEPS = ("first_visit", "signup_started", "signup_completed", "first_booking")


@dataclass(frozen=True)
class QuerySpec:
    """The contract of one query file: its columns (in order), the key columns that fix the row
    order, and how closely each non-exact number must match."""

    file: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    tolerance: dict[str, float] = field(default_factory=dict)


FUNNEL = QuerySpec("funnel.sql", ("segment", "step", "users", "conversion_from_previous"), ("segment", "step"),
                   {"conversion_from_previous": 0.001})
AB_READOUT = QuerySpec("ab_readout.sql",
                       ("segment", "variant", "users", "signups", "signup_rate", "bookings", "booking_rate"),
                       ("segment", "variant"), {"signup_rate": 0.001, "booking_rate": 0.001})
SRM_CHECK = QuerySpec("srm_check.sql", ("segment", "users_a", "users_b", "share_b", "chi_square", "srm"),
                      ("segment",), {"share_b": 0.001, "chi_square": 0.01})


@dataclass(frozen=True)
class Result:
    columns: tuple[str, ...]
    rows: list[tuple]
    truncated: bool = False

    def dicts(self) -> list[dict[str, object]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class QueryProblem(AssertionError):
    """A query that could not be run or returned the wrong shape; the message says what to do."""


def read_query(name: str) -> str:
    path = WORK / "queries" / name
    if not path.is_file():
        raise QueryProblem(f"queries/{name} is missing: keep the file name, the checks look for it")
    return path.read_text(encoding="utf-8", errors="replace")


def connect(db: Path) -> sqlite3.Connection:
    """Read-only by URI and by pragma: a query can look at the data but never change it."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA query_only = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT_BYTES}")
    # Only reading from here on: no ATTACH (which would create files), no PRAGMA, no writes.
    conn.set_authorizer(lambda action, *_: sqlite3.SQLITE_OK if action in _READING else sqlite3.SQLITE_DENY)
    return conn


def run_sql(sql: str, db: Path, label: str, time_limit_s: float = TIME_LIMIT_S, cut: bool = False) -> Result:
    """Run one statement; every way it can go wrong becomes a QueryProblem naming ``label``.
    With ``cut`` a long result is cut at MAX_ROWS (a scratch query) instead of refused."""
    conn = connect(db)
    deadline = time.monotonic() + time_limit_s
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 2000)
    try:
        cur = conn.execute(sql)
        if cur.description is None:
            raise QueryProblem(f"{label} has no query yet (only comments?): write one SELECT (or WITH ... SELECT)")
        rows = cur.fetchmany(MAX_ROWS + 1)
        columns = tuple(str(d[0]).strip().lower() for d in cur.description)
    except sqlite3.Error as exc:
        raise QueryProblem(explain(exc, label, time_limit_s)) from None
    finally:
        conn.close()
    if len(rows) > MAX_ROWS and not cut:
        raise QueryProblem(f"{label} returned more than {MAX_ROWS} rows; the contract asks for far fewer")
    return Result(columns, [tuple(r) for r in rows[:MAX_ROWS]], truncated=len(rows) > MAX_ROWS)


def explain(exc: sqlite3.Error, label: str, time_limit_s: float) -> str:
    """SQLite's error in words that say what to change."""
    text = str(exc)
    if "one statement" in text:
        return f"{label} holds more than one statement; the checks run exactly one SELECT (use WITH ... for steps)"
    if "interrupted" in text:
        return (f"{label} ran for more than {time_limit_s:.0f} s and was stopped; a correct query takes well under "
                "a second here (look for a join without a condition)")
    if any(word in text for word in ("not authorized", "readonly", "query_only")):
        return (f"{label} does more than read: the checks run one SELECT (or WITH ... SELECT) on a read-only "
                "database, without ATTACH, PRAGMA or changes")
    if "out of memory" in text:
        return f"{label} needed more memory than the checks allow; look for a join without a condition"
    return f"{label} failed in SQLite: {text}"


_cache: dict[tuple[str, str], Result | QueryProblem] = {}


def run_file(spec_or_name: QuerySpec | str, db: Path = DATA_DB) -> Result:
    """Run queries/<file> once per database and process (several checks look at the same result).
    A bare file name (not a QuerySpec) is a scratch query: its result may be long and is cut."""
    name = spec_or_name.file if isinstance(spec_or_name, QuerySpec) else spec_or_name
    key = (name, str(db))
    if key not in _cache:
        try:
            _cache[key] = run_sql(read_query(name), db, f"queries/{name}", cut=not isinstance(spec_or_name, QuerySpec))
        except QueryProblem as exc:
            _cache[key] = exc
    found = _cache[key]
    if isinstance(found, QueryProblem):
        raise QueryProblem(str(found))
    return found


def check_shape(spec: QuerySpec, result: Result, keys: list[tuple]) -> None:
    """Columns by name and order, then the rows' keys in the agreed order."""
    if result.columns != spec.columns:
        raise QueryProblem(f"queries/{spec.file} must return the columns {', '.join(spec.columns)} (in this order); "
                           f"it returns {', '.join(result.columns) or 'none'}")
    got = [tuple(r[spec.columns.index(k)] for k in spec.keys) for r in result.rows]
    if got != keys:
        missing = [k for k in keys if k not in got]
        extra = [k for k in got if k not in keys]
        detail = (f"missing rows {_keys(missing)}" if missing else "") + (
            f"{'; ' if missing else ''}unexpected rows {_keys(extra)}" if extra else "")
        raise QueryProblem(f"queries/{spec.file} must return {len(keys)} rows, one per {' and '.join(spec.keys)}, "
                           f"ordered {_keys(keys[:3])}...; " + (detail or f"the order is off: got {_keys(got[:4])}..."))
    for row in result.rows:
        for col, value in zip(spec.columns, row, strict=True):
            if col not in spec.keys and (isinstance(value, str | bytes) or
                                         (value is not None and not isinstance(value, int | float))):
                raise QueryProblem(f"queries/{spec.file}: column {col} holds {value!r}; it should hold numbers")


def _keys(keys: list[tuple]) -> str:
    shown = [" / ".join(str(v) for v in k) for k in keys[:6]]
    return "[" + ", ".join(shown) + (", ..." if len(keys) > 6 else "") + "]"


def differences(spec: QuerySpec, result: Result, expected: list[dict[str, object]]) -> list[str]:
    """Cell-by-cell differences from the expected rows: counts exact, rates within the tolerance."""
    out = []
    for got, want in zip(result.dicts(), expected, strict=False):
        where = " / ".join(str(want[k]) for k in spec.keys)
        for col in spec.columns:
            if col in spec.keys:
                continue
            g, w = got[col], want[col]
            if not _same(g, w, spec.tolerance.get(col)):
                out.append(f"{where}: {col} is {_fmt(g)}, expected {_fmt(w)}")
    return out


def _same(got: object, want: object, tol: float | None) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(got, bool | str | bytes) or not isinstance(got, int | float):
        return False
    if tol is None:
        return float(got) == float(want)  # type: ignore[arg-type]
    return abs(float(got) - float(want)) <= tol  # type: ignore[arg-type]


def _fmt(v: object) -> str:
    return f"{v:.4f}" if isinstance(v, float) else repr(v)


def table(result: Result, limit: int = 40) -> str:
    """A plain-text table of the first rows, for the candidate and the reviewers."""
    rows = [[_fmt(v) if isinstance(v, float) else str(v) for v in r] for r in result.rows[:limit]]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(result.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if len(result.rows) > limit or result.truncated:
        lines.append(f"... and more rows (showing the first {min(limit, len(result.rows))})")
    return "\n".join(lines)[:3500]
