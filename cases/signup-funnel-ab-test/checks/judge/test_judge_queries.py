"""Judge checks: the three queries on another month of data (events_hidden.db: another seed,
other dates, rates and a bug on another platform), compared with answers computed here in Python.
They run in the judge's container: the queries arrive as data (judge.inputs) and run on a read-only
connection that may only read (checks/lib/sqlcheck.py, the visible checks' helper), so nothing the candidate
wrote can read the answers or change the verdict.
A query tuned to the numbers of data/events.db fails; one that follows the definitions passes."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import expected_answers as ref  # noqa: E402
import sqlcheck  # noqa: E402
from caseportal_check import advisory  # noqa: E402

HIDDEN_DB = HERE / "events_hidden.db"
_tables: list[ref.Tables] = []


def tables() -> ref.Tables:
    if not _tables:
        _tables.append(ref.load(HIDDEN_DB))
    return _tables[0]


def _keys(spec: sqlcheck.QuerySpec, rows: list[dict]) -> list[tuple]:
    return [tuple(r[k] for k in spec.keys) for r in rows]


def compare(spec: sqlcheck.QuerySpec, expected: list[dict], slips: dict[str, list[dict]]) -> None:
    """Fail with the differing cells and, for reviewers, the common slip the result matches."""
    problem = ""
    try:
        result = sqlcheck.run_file(spec, HIDDEN_DB)
        sqlcheck.check_shape(spec, result, _keys(spec, expected))
    except sqlcheck.QueryProblem as exc:
        problem = str(exc)
    if problem:
        pytest.fail(f"on the hidden data: {problem}", pytrace=False)
    diffs = sqlcheck.differences(spec, result, expected)
    if diffs:
        matched = [name for name, rows in slips.items() if not sqlcheck.differences(spec, result, rows)]
        hint = f" The result matches the definitions with one change: {matched[0]}." if matched else ""
        pytest.fail(f"queries/{spec.file} differs from the expected answer on the hidden data in "
                             f"{len(diffs)} cells, e.g. " + "; ".join(diffs[:4]) + "." + hint, pytrace=False)


def test_funnel_on_hidden_data():
    t = tables()
    compare(sqlcheck.FUNNEL, ref.funnel(t), {
        "internal users counted": ref.funnel(t, internal=True),
        "no 7-day window": ref.funnel(t, window=False),
        "steps counted on their own (not nested)": ref.funnel(t, nested=False),
    })


def test_ab_readout_on_hidden_data():
    t = tables()
    compare(sqlcheck.AB_READOUT, ref.ab_readout(t), {
        "internal users counted": ref.ab_readout(t, internal=True),
        "no 7-day window": ref.ab_readout(t, window=False),
        "the window starts at the latest assignment, not the first": ref.ab_readout(t, latest=True),
        "assignments of the other experiment counted": ref.ab_readout(t, experiment_only=False),
    })


def test_srm_check_on_hidden_data():
    t = tables()
    compare(sqlcheck.SRM_CHECK, ref.srm_check(t), {
        "internal users counted": ref.srm_check(t, internal=True),
        "assignment rows counted instead of users": ref.srm_check(t, distinct=False),
        "assignments of the other experiment counted": ref.srm_check(t, experiment_only=False),
    })


def test_readout_names_the_split_problem():
    """Advisory: the read-out should say the split is broken before it names a winner."""
    path = sqlcheck.WORK / "READOUT.md"
    text = path.read_text(encoding="utf-8", errors="replace").lower() if path.is_file() else ""
    words = ("sample ratio", "sample-ratio", "srm", "split", "fördelning", "snedfördel", "50/50")
    found = any(w in text for w in words)
    message = ("READOUT.md is missing or empty" if not text.strip() else
               "READOUT.md talks about the 50/50 split" if found else
               "READOUT.md does not mention the broken 50/50 split")
    advisory("readout_mentions_sample_ratio_mismatch", found, message)
