"""Visible checks: each query runs on data/events.db, returns the agreed columns and rows, agrees
with itself (rates match counts, 'all' is the sum of the platforms) and with the other queries,
and gets a few numbers right. Each query's result is shown as an advisory so the candidate can
read it without a database tool."""

import sqlite3

import pytest
import sqlcheck
from caseportal_check import advisory
from sqlcheck import AB_READOUT, DATA_DB, FUNNEL, SEGMENTS, SRM_CHECK, STEPS

TOL = 0.001
# Numbers a correct query gets on data/events.db (segment 'all').
ALL_STARTED_SIGNUP = 379
ALL_USERS_A, ALL_USERS_B = 764, 575


def expect(ok: bool, message: str) -> None:
    """Fail with just the message: the candidate needs the words, not a traceback."""
    if not ok:
        pytest.fail(message, pytrace=False)


def shaped(spec: sqlcheck.QuerySpec, keys: list[tuple]) -> None:
    """Run the query, show its result, and insist on the agreed shape."""
    problem = ""
    try:
        result = sqlcheck.run_file(spec)
        advisory(spec.file.removesuffix(".sql") + "_result", True, "your result on data/events.db:\n"
                 + sqlcheck.table(result))
        sqlcheck.check_shape(spec, result, keys)
    except sqlcheck.QueryProblem as exc:
        problem = str(exc)
    expect(not problem, problem)


def rows_or_skip(spec: sqlcheck.QuerySpec, keys: list[tuple]) -> list[dict]:
    """For checks that build on a query's shape: skip (the shape check reports it) when it is off."""
    problem = ""
    try:
        result = sqlcheck.run_file(spec)
        sqlcheck.check_shape(spec, result, keys)
    except sqlcheck.QueryProblem as exc:
        problem = str(exc)
    if problem:
        pytest.skip(f"needs a working queries/{spec.file} first")
    return result.dicts()


FUNNEL_KEYS = [(s, step) for s in SEGMENTS for step in STEPS]
AB_KEYS = [(s, v) for s in SEGMENTS for v in "AB"]
SRM_KEYS = [(s,) for s in SEGMENTS]


def non_internal_users() -> dict[str, int]:
    conn = sqlcheck.connect(DATA_DB)
    try:
        per = dict(conn.execute("SELECT platform, COUNT(*) FROM users WHERE is_internal = 0 GROUP BY platform"))
    except sqlite3.Error as exc:  # pragma: no cover - the case's own database
        raise AssertionError(f"could not read data/events.db: {exc}") from None
    finally:
        conn.close()
    return {"all": sum(per.values()), **per}


def test_funnel_has_the_agreed_columns_and_rows():
    shaped(FUNNEL, FUNNEL_KEYS)


def test_funnel_first_visit_is_everyone_but_internal_users():
    rows = rows_or_skip(FUNNEL, FUNNEL_KEYS)
    expected = non_internal_users()
    for r in rows:
        if r["step"] == "first_visit":
            expect(r["users"] == expected[r["segment"]], (
                f"{r['segment']}: first_visit should count every user who is not internal "
                f"({expected[r['segment']]}), not {r['users']}"))


def test_funnel_steps_shrink_and_rates_match_the_counts():
    rows = rows_or_skip(FUNNEL, FUNNEL_KEYS)
    for seg in SEGMENTS:
        steps = [r for r in rows if r["segment"] == seg]
        expect(abs(float(steps[0]["conversion_from_previous"] or 0) - 1.0) <= TOL,
               f"{seg}: conversion_from_previous of first_visit should be 1.0")
        for prev, r in zip(steps, steps[1:], strict=False):
            expect(r["users"] <= prev["users"], (
                f"{seg}: {r['step']} has more people ({r['users']}) than {prev['step']} ({prev['users']}): "
                "count people rather than events, and only people who reached the step before"))
            rate = r["users"] / prev["users"] if prev["users"] else 0.0
            expect(abs(float(r["conversion_from_previous"] or 0) - rate) <= TOL, (
                f"{seg} / {r['step']}: conversion_from_previous should be {r['users']}/{prev['users']} = {rate:.4f}"
                " (a fraction, not a percentage)"))
    for step in STEPS:
        parts = sum(r["users"] for r in rows if r["step"] == step and r["segment"] != "all")
        whole = next(r["users"] for r in rows if r["step"] == step and r["segment"] == "all")
        expect(whole == parts, f"{step}: 'all' ({whole}) should be the sum of the three platforms ({parts})")


def test_funnel_signup_started_for_everyone():
    rows = rows_or_skip(FUNNEL, FUNNEL_KEYS)
    got = next(r["users"] for r in rows if r["segment"] == "all" and r["step"] == "signup_started")
    expect(got == ALL_STARTED_SIGNUP, (
        f"all / signup_started: {ALL_STARTED_SIGNUP} people started a signup within 7 days of their first "
        f"visit; your query says {got}. Count people once, leave internal users out, keep to the window"))


def test_ab_readout_has_the_agreed_columns_and_rows():
    shaped(AB_READOUT, AB_KEYS)


def test_ab_readout_rates_match_the_counts():
    rows = rows_or_skip(AB_READOUT, AB_KEYS)
    for r in rows:
        where = f"{r['segment']} / {r['variant']}"
        expect(r["users"] > 0, f"{where}: no users")
        for count, rate in (("signups", "signup_rate"), ("bookings", "booking_rate")):
            expect(0 <= r[count] <= r["users"], f"{where}: {count} ({r[count]}) must be between 0 and users")
            want = r[count] / r["users"]
            expect(abs(float(r[rate] or 0) - want) <= TOL, (
                f"{where}: {rate} should be {count}/users = {want:.4f} (a fraction, not a percentage)"))
    for v in "AB":
        whole = next(r["users"] for r in rows if r["segment"] == "all" and r["variant"] == v)
        parts = sum(r["users"] for r in rows if r["segment"] != "all" and r["variant"] == v)
        expect(whole == parts, f"all / {v}: users ({whole}) should be the sum of the three platforms ({parts})")


def test_srm_check_has_the_agreed_columns_and_rows():
    shaped(SRM_CHECK, SRM_KEYS)


def test_srm_check_arithmetic():
    for r in rows_or_skip(SRM_CHECK, SRM_KEYS):
        a, b = r["users_a"], r["users_b"]
        expect(a + b > 0, f"{r['segment']}: nobody assigned")
        share, chi = b / (a + b), (a - b) ** 2 / (a + b)
        expect(abs(float(r["share_b"] or 0) - share) <= TOL, f"{r['segment']}: share_b should be {share:.4f}")
        expect(abs(float(r["chi_square"] or 0) - chi) <= 0.01, (
            f"{r['segment']}: chi_square should be (users_a - users_b)^2 / (users_a + users_b) = {chi:.2f}"))
        expect(r["srm"] == int(chi > 10.83),
               f"{r['segment']}: srm should be {int(chi > 10.83)} (1 when chi_square > 10.83, else 0)")


def test_srm_check_counts_for_everyone():
    row = rows_or_skip(SRM_CHECK, SRM_KEYS)[0]
    expect((row["users_a"], row["users_b"]) == (ALL_USERS_A, ALL_USERS_B), (
        f"all: {ALL_USERS_A} people are in A and {ALL_USERS_B} in B; your query says {row['users_a']} and "
        f"{row['users_b']}. Count each person once, only in the experiment named 'bankid_signup', "
        "without internal users"))


def test_ab_readout_and_srm_check_agree_on_who_is_in_the_test():
    readout = rows_or_skip(AB_READOUT, AB_KEYS)
    srm = {r["segment"]: r for r in rows_or_skip(SRM_CHECK, SRM_KEYS)}
    for r in readout:
        other = srm[r["segment"]]["users_a" if r["variant"] == "A" else "users_b"]
        expect(r["users"] == other, (
            f"{r['segment']} / {r['variant']}: ab_readout.sql counts {r['users']} users, srm_check.sql {other}; "
            "both should count the same people"))


def test_explore_query():
    """Never fails: shows the result of queries/explore.sql, a scratch pad for looking at the data."""
    if not (sqlcheck.WORK / "queries" / "explore.sql").is_file():
        return
    try:
        result = sqlcheck.run_file("explore.sql")
    except sqlcheck.QueryProblem as exc:
        advisory("explore_result", False, str(exc))
        return
    advisory("explore_result", True, f"{len(result.rows)} rows:\n" + sqlcheck.table(result))
