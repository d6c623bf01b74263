"""Suggested talking points from real run results (RunResult.to_dict() stored in a Run row, as the worker does)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, load_library, scaffold
from caseportal.models import (
    CandidateFeedback,
    Meeting,
    Run,
    RunKind,
    RunStatus,
    StaffRole,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    User,
    utcnow,
)
from caseportal.services import suggestions as sg
from caseportal.services.errors import NotFound
from sandbox.spec import CheckResult, RunResult
from tests.conftest import Factory

PROMPT_ASK = "How would you make the limiter work across several servers?"
PROMPT_GOOD = "Mentions shared state such as Redis and the cost of a network hop."
PROMPT_TRADEOFFS = "Accuracy against latency; failing open or closed."
SOLUTION = (b"def top_items(counts: dict[str, int], n: int) -> list[str]:\n"
            b'    """Return the n most common names, most common first."""\n'
            b"    ranked = sorted(counts, key=lambda k: (-counts[k], k))\n"
            b"    return ranked[:n]\n")


def make_case_library(root: Path, slug: str = "tiny-case") -> Path:
    """A scaffolded case with a metric, a 90-minute estimate and a real reviewer prompt."""
    root.mkdir(parents=True, exist_ok=True)
    folder = scaffold(root, slug, "coding")
    yaml_path = folder / "case.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    text = text.replace("time_estimate_minutes: 60", "time_estimate_minutes: 90")
    text = text.replace('title: "TODO: a title that says what the candidate gets to do"', 'title: "Top items"')
    start = text.index("reviewer_prompts:")
    end = text.index("submission:")
    text = (text[:start] + "reviewer_prompts:\n"
            f'  - ask: "{PROMPT_ASK}"\n    good: "{PROMPT_GOOD}"\n    tradeoffs: "{PROMPT_TRADEOFFS}"\n'
            "metric:\n  name: p95_ms\n  direction: lower\n  baseline: 20\n" + text[end:])
    yaml_path.write_text(text, encoding="utf-8")
    return root


def install_case(app: Flask, root: Path) -> CaseSpec:
    """Make the case above the app's only case and return it."""
    lib = load_library(make_case_library(root))
    assert not lib.problems, lib.problems
    app.extensions["caseportal.casebook"] = lib
    spec = lib.get("tiny-case")
    assert spec is not None and spec.metric is not None
    return spec


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    return install_case(app, tmp_path / "library")


def make_submission(session: Session, meeting: Meeting, case: CaseSpec, files: dict[str, bytes], *,
                    minutes: float = 125, notes: str = "", questions: str = "") -> Submission:
    started = utcnow() - timedelta(days=1)
    sub = Submission(meeting_id=meeting.id, case_slug=case.slug, case_version=case.version,
                     status=SubmissionStatus.SUBMITTED, started_at=started,
                     submitted_at=started + timedelta(minutes=minutes), notes_more_time=notes, questions=questions)
    for path, content in files.items():
        sub.files.append(SubmissionFile(path=path, content=content, size=len(content),
                                        sha256=hashlib.sha256(content).hexdigest()))
    session.add(sub)
    session.commit()
    return sub


def store_run(session: Session, submission: Submission, result: RunResult | None, *,
              kind: RunKind = RunKind.FULL, status: RunStatus = RunStatus.DONE) -> Run:
    """As the worker records a run: the result's dict (without artifacts) as JSON."""
    data = result.to_dict() if result else None
    if data:
        data.pop("artifacts", None)
    run = Run(submission_id=submission.id, kind=kind, status=status,
              outcome=result.outcome.value if result else None, result_json=json.dumps(data) if data else None)
    session.add(run)
    session.commit()
    return run


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
    sub = make_submission(session, m, case, {"solution.py": SOLUTION, "notes/ideas.md": b"# Ideas\n- cache\n"},
                          notes="Add a heap for large inputs, and property-based tests.",
                          questions="- How big is the team?\n- Do you pair program,\n  or review in PRs?\n\n"
                                    "How big is the team?")
    store_run(session, sub, REAL_RESULT)
    return sub


def by_key(items: list[sg.Suggestion]) -> dict[str, sg.Suggestion]:
    return {s.key: s for s in items}


# --------------------------------------------------------------------------- every source, real figures


def test_every_source_appears_with_the_right_figures(session: Session, submission: Submission,
                                                     case: CaseSpec) -> None:
    session.add(CandidateFeedback(meeting_id=submission.meeting_id, case_slug=case.slug, minutes_spent=75))
    session.commit()
    # newer runs that must not be used: a practice run (visible checks only) and one the platform broke
    store_run(session, submission, RunResult(outcome="passed", checks=(CheckResult("test_visible_basic", "passed"),)),
              kind=RunKind.CHECK)
    store_run(session, submission, RunResult(outcome="infra_error"), status=RunStatus.ERROR)

    items = sg.all_for(session, submission, case)
    got = by_key(items)
    assert {s.source for s in items} == set(sg.SOURCES)
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
    assert questions[0].key == sg.question_key("how big is  the team?")

    prompt = got[sg.prompt_key(PROMPT_ASK)]
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
    sub = make_submission(session, m, case, {"solution.py": SOLUTION}, minutes=40)
    store_run(session, sub, RunResult(outcome="passed", checks=(
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
    sub = make_submission(session, m, case, {"solution.py": SOLUTION})
    store_run(session, sub, REAL_RESULT, kind=RunKind.CHECK)  # the candidate's practice run
    store_run(session, sub, None, status=RunStatus.RUNNING)
    sources = {s.source for s in sg.all_for(session, sub, case)}
    assert "checks" not in sources and "metric" not in sources
    assert {"time", "diff", "prompt"} <= sources


@pytest.mark.parametrize(("outcome", "expected"), [("timeout", "ran out of time"), ("infra_error", None)])
def test_a_run_without_checks(session: Session, factory: Factory, case: CaseSpec, reviewer: User,
                              outcome: str, expected: str | None) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = make_submission(session, m, case, {"solution.py": SOLUTION})
    store_run(session, sub, RunResult(outcome=outcome))
    got = by_key(sg.all_for(session, sub, case))
    if expected is None:  # the platform failed: nothing about the candidate's work to talk about
        assert not [s for s in got.values() if s.source == "checks"]
    else:
        assert expected in got["checks-run"].text


def test_a_long_gap_is_not_presented_as_effort(session: Session, factory: Factory, case: CaseSpec,
                                               reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = make_submission(session, m, case, {"solution.py": SOLUTION}, minutes=3 * 24 * 60 + 30)
    text = by_key(sg.all_for(session, sub, case))["time"].text
    assert text.startswith("You handed in 3 days after starting (the case is meant to take about 1 h 30 min).")


def test_feedback_about_another_case_is_ignored(session: Session, submission: Submission, case: CaseSpec) -> None:
    session.add(CandidateFeedback(meeting_id=submission.meeting_id, case_slug="other-case", minutes_spent=5))
    session.commit()
    assert "told us" not in by_key(sg.all_for(session, submission, case))["time"].text


def test_unchanged_work_and_a_missing_case(session: Session, factory: Factory, case: CaseSpec,
                                           reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = make_submission(session, m, case, dict(case.starter_files))
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
    assert sg.split_questions(text) == expected


@pytest.mark.parametrize(("minutes", "label"), [(0, "0 min"), (45, "45 min"), (60, "1 h"), (90, "1 h 30 min"),
                                                (125.4, "2 h 5 min")])
def test_minutes_label(minutes: float, label: str) -> None:
    assert sg.minutes_label(minutes) == label


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
    draft = make_submission(session, m, case, {"solution.py": SOLUTION})
    draft.status, draft.submitted_at = SubmissionStatus.DRAFT, None
    session.commit()
    assert sg.all_for(session, draft, case) == []
