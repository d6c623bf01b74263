"""Suggested talking points from real run results (RunResult.to_dict() stored in a Run row, as the worker does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.models import CandidateFeedback, RunKind, RunStatus, StaffRole, Submission, User
from caseportal.services import suggestion_sources
from caseportal.services import suggestions as sg
from caseportal.services.errors import NotFound
from sandbox.spec import CheckResult, RunResult
from tests.conftest import PROMPT_ASK, PROMPT_GOOD, PROMPT_TRADEOFFS, SOLUTION, Factory, install_case


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    return install_case(app, tmp_path / "library")


REAL_RESULT = RunResult(
    outcome="failed",
    checks=(CheckResult("test_visible_basic", "passed", "", True),
            CheckResult("test_visible_order", "failed", "assert ['b', 'a'] == ['a', 'b']", True),
            CheckResult("test_hidden_empty_counts", "failed", "IndexError", False),
            CheckResult("test_hidden_ties", "failed", "assert 1 == 2", False),
            CheckResult("test_hidden_large_n", "passed", "", False),
            CheckResult("style_line_length", "advisory", "long lines", True)),
    metrics={"p95_ms": 12.5, "calls": 40},
    stdout="6 checks", duration_s=2.0, exit_code=1, explanation="Some checks did not pass.",
)


@pytest.fixture()
def reviewer(factory: Factory) -> User:
    return factory.user(StaffRole.REVIEWER)


@pytest.fixture()
def submission(session: Session, factory: Factory, case: CaseSpec, reviewer: User) -> Submission:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = factory.submission(m, {"solution.py": SOLUTION, "notes/ideas.md": b"# Ideas\n- cache\n"}, case=case,
                             notes="Add a heap for large inputs, and property-based tests.",
                             questions="- How big is the team?\n- Do you pair program,\n  or review in PRs?\n\n"
                                       "How big is the team?")
    factory.run(sub, REAL_RESULT)
    return sub


def by_key(items: list[suggestion_sources.Suggestion]) -> dict[str, suggestion_sources.Suggestion]:
    return {s.key: s for s in items}


# --------------------------------------------------------------------------- every source, real figures


def test_every_source_appears_with_the_right_figures(session: Session, factory: Factory, submission: Submission,
                                                     case: CaseSpec) -> None:
    session.add(CandidateFeedback(meeting_id=submission.meeting_id, case_slug=case.slug, minutes_spent=75))
    session.commit()
    # newer runs that must not be used: a practice run (visible checks only) and one the platform broke
    factory.run(submission, RunResult(outcome="passed", checks=(CheckResult("test_visible_basic", "passed"),)),
                kind=RunKind.CHECK)
    factory.run(submission, RunResult(outcome="infra_error"), status=RunStatus.ERROR)

    items = sg.all_for(session, submission, case)
    got = by_key(items)
    assert {s.source for s in items} == set(suggestion_sources.SOURCES)
    assert len(got) == len(items)  # keys are unique

    hidden = got["checks-hidden"]
    assert hidden.source == "checks"
    assert hidden.text.startswith("Two hidden edge-case checks did not pass (`test_hidden_empty_counts` and "
                                  "`test_hidden_ties`)")
    assert "test_hidden_large_n" not in hidden.text and "test_visible_order" not in hidden.text
    assert "2 of 5 checks passed, hidden checks 1 of 3" in hidden.why  # the advisory check is not counted

    visible = got["checks-visible"]
    assert "One check you could run yourself did not pass (`test_visible_order`)" in visible.text
    assert "test_hidden" not in visible.text

    metric = got["metric"]
    assert metric.source == "metric"
    assert "p95_ms is 12.5 against a baseline of 20 (lower is better)" in metric.text
    assert "beats the simple approach" in metric.text

    time = got["time"]
    assert "You told us you spent about 1 h 15 min on the case" in time.text
    assert "about 2 h 5 min passed between starting and handing in" in time.text
    assert "(the case is meant to take about 1 h 30 min)" in time.text
    assert "reported by the candidate: 75 min; from starting to handing in: 125 min; the case estimate: 90 min" in (
        time.why.lower())

    diff = got["diff"]
    # solution.py: the starter's "raise NotImplementedError" replaced by two lines; notes/ideas.md added
    assert "You changed 2 files against the starter (+4 −1 lines)" in diff.text
    assert "most of the work is in `solution.py` (+2 −1)" in diff.text
    assert (diff.file_path, diff.line) == ("solution.py", 3)
    assert "Files: 1 changed, 1 added, 0 removed. Lines: 4 added, 1 removed." == diff.why

    notes = got["notes"]
    assert "“Add a heap for large inputs, and property-based tests.”" in notes.text

    questions = [s for s in items if s.source == "questions"]
    assert [q.text for q in questions] == [
        "Your question: “How big is the team?” Let's make sure we answer it.",
        "Your question: “Do you pair program, or review in PRs?” Let's make sure we answer it.",
    ]  # a list item per question, a wrapped line continues it, the repeated question once
    assert questions[0].key == suggestion_sources.question_key("how big is  the team?")

    prompt = got[suggestion_sources.prompt_key(PROMPT_ASK)]
    assert prompt.text == PROMPT_ASK and prompt.source == "prompt"
    assert PROMPT_GOOD in prompt.why and PROMPT_TRADEOFFS in prompt.why

    for s in items:  # openers, never verdicts
        assert "?" in s.text, s
        for word in ("wrong", "bad", "poor", "fail:"):
            assert word not in s.text.lower(), s


def test_keys_are_stable(session: Session, submission: Submission, case: CaseSpec) -> None:
    first = [s.key for s in sg.all_for(session, submission, case)]
    assert first == [s.key for s in sg.all_for(session, submission, case)]
    assert first[:5] == ["checks-hidden", "checks-visible", "metric", "time", "diff"]


def test_all_passed_and_a_metric_that_misses_the_baseline(session: Session, factory: Factory, case: CaseSpec,
                                                          reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = factory.submission(m, {"solution.py": SOLUTION}, case=case, minutes=40)
    factory.run(sub, RunResult(outcome="passed", checks=(
        CheckResult("test_visible_basic", "passed"), CheckResult("test_hidden_ties", "passed", visible=False)),
        metrics={"p95_ms": 31.0}))
    got = by_key(sg.all_for(session, sub, case))
    assert "checks-hidden" not in got and "checks-visible" not in got
    assert got["checks-passed"].text.startswith("All 2 checks passed, including 1 you could not see.")
    assert "p95_ms is 31 against a baseline of 20 (lower is better). What would you try" in got["metric"].text
    assert got["time"].text.startswith("About 40 min passed between starting and handing in")
    assert "notes" not in got and not [s for s in got.values() if s.source == "questions"]
    assert got["diff"].text.startswith("You changed one file against the starter, `solution.py` (+2 −1 lines).")


def test_without_a_finished_full_run_there_are_no_check_or_metric_suggestions(
        session: Session, factory: Factory, case: CaseSpec, reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = factory.submission(m, {"solution.py": SOLUTION}, case=case)
    factory.run(sub, REAL_RESULT, kind=RunKind.CHECK)  # the candidate's practice run
    factory.run(sub, None, status=RunStatus.RUNNING)
    sources = {s.source for s in sg.all_for(session, sub, case)}
    assert "checks" not in sources and "metric" not in sources
    assert {"time", "diff", "prompt"} <= sources


@pytest.mark.parametrize(("outcome", "expected"), [("timeout", "ran out of time"), ("infra_error", None)])
def test_a_run_without_checks(session: Session, factory: Factory, case: CaseSpec, reviewer: User,
                              outcome: str, expected: str | None) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = factory.submission(m, {"solution.py": SOLUTION}, case=case)
    factory.run(sub, RunResult(outcome=outcome))
    got = by_key(sg.all_for(session, sub, case))
    if expected is None:  # the platform failed: nothing about the candidate's work to talk about
        assert not [s for s in got.values() if s.source == "checks"]
    else:
        assert expected in got["checks-run"].text


def test_a_long_gap_is_not_presented_as_effort(session: Session, factory: Factory, case: CaseSpec,
                                               reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = factory.submission(m, {"solution.py": SOLUTION}, case=case, minutes=3 * 24 * 60 + 30)
    text = by_key(sg.all_for(session, sub, case))["time"].text
    assert text.startswith("You handed in 3 days after starting (the case is meant to take about 1 h 30 min).")


def test_feedback_about_another_case_is_ignored(session: Session, submission: Submission, case: CaseSpec) -> None:
    session.add(CandidateFeedback(meeting_id=submission.meeting_id, case_slug="other-case", minutes_spent=5))
    session.commit()
    assert "told us" not in by_key(sg.all_for(session, submission, case))["time"].text


def test_unchanged_work_and_a_missing_case(session: Session, factory: Factory, case: CaseSpec,
                                           reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = factory.submission(m, dict(case.starter_files), case=case)
    assert by_key(sg.all_for(session, sub, case))["diff"].text.startswith("Your files are the same as the starter")
    sources = {s.source for s in sg.all_for(session, sub, None)}
    assert sources == {"time"}  # no case: no estimate, no starter, no prompts, but the time is still there


@pytest.mark.parametrize(("text", "expected"), [
    ("", []),
    ("How big is the team?", ["How big is the team?"]),
    ("1. First?\n2) Second?\n* Third?", ["First?", "Second?", "Third?"]),
    ("A long question that\nwraps?\n\nAnother one?", ["A long question that wraps?", "Another one?"]),
    ("- Same?\n- same?", ["Same?"]),
])
def test_split_questions(text: str, expected: list[str]) -> None:
    assert suggestion_sources.split_questions(text) == expected


@pytest.mark.parametrize(("minutes", "label"), [(0, "0 min"), (45, "45 min"), (60, "1 h"), (90, "1 h 30 min"),
                                                (125.4, "2 h 5 min")])
def test_minutes_label(minutes: float, label: str) -> None:
    assert suggestion_sources.minutes_label(minutes) == label


# --------------------------------------------------------------------------- accept, edit, drop, restore


def test_accept_edit_drop_and_restore(session: Session, submission: Submission, case: CaseSpec,
                                      reviewer: User) -> None:
    open_keys = [s.key for s in sg.open_for(session, submission, case)]
    assert "diff" in open_keys and "checks-hidden" in open_keys

    point = sg.accept(session, submission, case, reviewer, "diff")
    assert (point.source, point.suggestion_key, point.file_path, point.line, point.author_id) == (
        "diff", "diff", "solution.py", 3, reviewer.id)
    assert point.text.startswith("You changed 2 files")

    edited = sg.accept(session, submission, case, reviewer, "checks-hidden", "Ask how they find edge cases.")
    assert (edited.text, edited.source, edited.position) == ("Ask how they find edge cases.", "checks", 1)

    sg.drop(session, submission, case, reviewer, "time")
    session.commit()
    assert sg.dropped_keys(session, submission) == {"time"}
    assert sg.accepted_keys(session, submission) == {"diff", "checks-hidden"}
    remaining = [s.key for s in sg.open_for(session, submission, case)]
    assert not {"diff", "checks-hidden", "time"} & set(remaining)
    assert len(remaining) == len(open_keys) - 3

    with pytest.raises(NotFound):
        sg.accept(session, submission, case, reviewer, "time")  # dropped: not offered
    with pytest.raises(NotFound):
        sg.drop(session, submission, case, reviewer, "diff")  # accepted already
    with pytest.raises(NotFound):
        sg.accept(session, submission, case, reviewer, "no-such-key")

    assert sg.restore_dropped(session, submission) == 1
    assert "time" in [s.key for s in sg.open_for(session, submission, case)]
    # deleting an accepted point offers its suggestion again
    from caseportal.services import review

    review.delete_talking_point(session, point)
    assert "diff" in [s.key for s in sg.open_for(session, submission, case)]


def test_drafts_get_no_suggestions(session: Session, factory: Factory, case: CaseSpec, reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    draft = factory.submission(m, {"solution.py": SOLUTION}, case=case, submitted=False)
    assert sg.all_for(session, draft, case) == []
