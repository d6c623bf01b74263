"""services.review (talking points, comments, reviewed mark, run_summary) and services.highlight, on real rows."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, Metric, scaffold
from caseportal.models import Run, RunKind, RunStatus, StaffRole, Submission, User
from caseportal.services import highlight
from caseportal.services import review as svc
from caseportal.services.errors import Invalid
from sandbox.spec import CheckResult, RunResult
from tests.conftest import Factory, use_library


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    """A small valid case of our own, so these tests do not depend on the shipped library."""
    root = tmp_path / "library"
    root.mkdir()
    scaffold(root, "tiny-case", "coding")
    return use_library(app, root)


@pytest.fixture()
def reviewer(factory: Factory) -> User:
    return factory.user(StaffRole.REVIEWER)


@pytest.fixture()
def submission(session: Session, factory: Factory, case: CaseSpec, reviewer: User) -> Submission:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    return factory.submission(m, {
        "solution.py": b"def f():\n    return 1\n\n# end\n",
        "shot.png": b"\x89PNG\r\n\x1a\n\x00\x00",
    }, case=case, version="v1")


# --------------------------------------------------------------------------- talking points


def test_points_are_appended_in_order(session: Session, submission: Submission, reviewer: User) -> None:
    a = svc.add_talking_point(session, submission, reviewer, "  Ask about the window size  ")
    b = svc.add_talking_point(session, submission, reviewer, "Why return 1?", "solution.py", 2)
    c = svc.add_talking_point(session, submission, None, "Hidden checks failed", source="checks")
    assert [p.id for p in svc.list_talking_points(session, submission)] == [a.id, b.id, c.id]
    assert a.text == "Ask about the window size" and (a.file_path, a.line) == ("", None)
    assert (b.file_path, b.line, b.author_id) == ("solution.py", 2, reviewer.id)
    assert (c.source, c.author_id) == ("checks", None)


def test_move_up_and_down_and_ends(session: Session, submission: Submission, reviewer: User) -> None:
    a, b, c = (svc.add_talking_point(session, submission, reviewer, t) for t in "abc")
    ids = lambda: [p.id for p in svc.list_talking_points(session, submission)]  # noqa: E731
    assert svc.move_talking_point(session, c, "up") is True
    assert ids() == [a.id, c.id, b.id]
    assert svc.move_talking_point(session, c, "up") is True
    assert ids() == [c.id, a.id, b.id]
    assert svc.move_talking_point(session, c, "up") is False  # already first: nothing changes
    assert svc.move_talking_point(session, b, "down") is False  # already last
    assert svc.move_talking_point(session, a, "down") is True
    assert ids() == [c.id, b.id, a.id]
    assert [p.position for p in svc.list_talking_points(session, submission)] == [0, 1, 2]
    with pytest.raises(Invalid):
        svc.move_talking_point(session, a, "sideways")  # type: ignore[arg-type]


def test_delete_renumbers(session: Session, submission: Submission, reviewer: User) -> None:
    a, b, c = (svc.add_talking_point(session, submission, reviewer, t) for t in "abc")
    svc.delete_talking_point(session, b)
    points = svc.list_talking_points(session, submission)
    assert [(p.id, p.position) for p in points] == [(a.id, 0), (c.id, 1)]
    d = svc.add_talking_point(session, submission, reviewer, "d")
    assert d.position == 2


def test_update_revalidates(session: Session, submission: Submission, reviewer: User) -> None:
    p = svc.add_talking_point(session, submission, reviewer, "a")
    svc.update_talking_point(session, p, "b", "solution.py", 4)
    assert (p.text, p.file_path, p.line) == ("b", "solution.py", 4)
    with pytest.raises(Invalid, match="outside"):
        svc.update_talking_point(session, p, "b", "solution.py", 5)
    svc.update_talking_point(session, p, "c")
    assert (p.file_path, p.line) == ("", None)


@pytest.mark.parametrize(("path", "line", "message"), [
    ("nope.py", None, "no file called nope.py"),
    ("solution.py", 0, "outside"),
    ("solution.py", 5, "Line 5 is outside solution.py, which has 4 lines"),
    ("shot.png", 1, "not a text file"),
    ("", 3, "needs a file"),
])
def test_point_anchor_validation(session: Session, submission: Submission, reviewer: User, path: str,
                                 line: int | None, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        svc.add_talking_point(session, submission, reviewer, "text", path, line)


def test_point_on_a_binary_file_without_line_is_fine(session: Session, submission: Submission,
                                                      reviewer: User) -> None:
    p = svc.add_talking_point(session, submission, reviewer, "Nice screenshot", "shot.png")
    assert (p.file_path, p.line) == ("shot.png", None)


def test_point_text_required_and_capped(session: Session, submission: Submission, reviewer: User) -> None:
    with pytest.raises(Invalid, match="write"):
        svc.add_talking_point(session, submission, reviewer, "   ")
    with pytest.raises(Invalid, match="at most 2000 characters"):
        svc.add_talking_point(session, submission, reviewer, "x" * (svc.MAX_POINT_CHARS + 1))


def test_drafts_take_no_points_comments_or_mark(session: Session, factory: Factory, case: CaseSpec,
                                                 reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    draft = factory.submission(m, {"solution.py": b"x\n"}, case=case, submitted=False)
    with pytest.raises(Invalid, match="not been submitted"):
        svc.add_talking_point(session, draft, reviewer, "a")
    with pytest.raises(Invalid, match="not been submitted"):
        svc.add_comment(session, draft, reviewer, "solution.py", 1, "hi")
    with pytest.raises(Invalid, match="Only submitted"):
        svc.mark_reviewed(session, draft, reviewer)


# --------------------------------------------------------------------------- comments and reviewed mark


def test_comments_grouped_by_file_and_line(session: Session, submission: Submission, reviewer: User) -> None:
    c1 = svc.add_comment(session, submission, reviewer, "solution.py", 2, "Why 1?")
    c2 = svc.add_comment(session, submission, reviewer, "solution.py", 2, "And not 2?")
    c3 = svc.add_comment(session, submission, reviewer, "solution.py", 1, "Name")
    grouped = svc.comments_by_file(session, submission)
    assert {line: [c.id for c in cs] for line, cs in grouped["solution.py"].items()} == {
        1: [c3.id], 2: [c1.id, c2.id]}
    svc.delete_comment(session, c1)
    assert [c.id for c in svc.list_comments(session, submission)] == [c3.id, c2.id]


@pytest.mark.parametrize(("path", "line"), [("solution.py", None), ("", 1), ("solution.py", 99),
                                            ("shot.png", 1), ("ghost.py", 1)])
def test_comment_needs_a_real_line(session: Session, submission: Submission, reviewer: User, path: str,
                                   line: int | None) -> None:
    with pytest.raises(Invalid):
        svc.add_comment(session, submission, reviewer, path, line, "body")


def test_mark_and_unmark_reviewed(session: Session, submission: Submission, reviewer: User) -> None:
    svc.mark_reviewed(session, submission, reviewer)
    assert submission.reviewed_at is not None and submission.reviewed_by_id == reviewer.id
    svc.unmark_reviewed(session, submission)
    assert submission.reviewed_at is None and submission.reviewed_by_id is None


def test_submissions_for_meeting_follow_case_order(session: Session, factory: Factory, reviewer: User) -> None:
    m = factory.meeting(reviewers=[reviewer], cases=["b-case", "a-case"])
    a = factory.submission(m, case="a-case")
    b = factory.submission(m, case="b-case")
    assert [s.id for s in svc.submissions_for_meeting(session, m)] == [b.id, a.id]


def test_case_changed(submission: Submission, case: CaseSpec) -> None:
    assert svc.case_changed(submission, case)  # made against "v1"
    submission.case_version = case.version
    assert not svc.case_changed(submission, case)
    assert svc.case_changed(submission, None)


@pytest.mark.parametrize(("name", "kind"), [("a.PNG", "image"), ("b.jpeg", "image"), ("c.webp", "image"),
                                            ("d.pdf", "pdf"), ("e.svg", "svg"), ("nb.html", "html"),
                                            ("f.py", "other"), ("noext", "other")])
def test_file_kind(name: str, kind: str) -> None:
    assert svc.file_kind(name) == kind


# --------------------------------------------------------------------------- run_summary


def _damaged(factory: Factory, submission: Submission, stored: str) -> Run:
    """A recorded run whose stored result was damaged afterwards: JSON that no worker writes."""
    run = factory.run(submission, RunResult(outcome="passed"))
    run.outcome, run.explanation, run.duration_s, run.result_json = None, "", None, stored
    factory.session.commit()
    return run


def test_run_summary_of_a_full_result(factory: Factory, submission: Submission, case: CaseSpec) -> None:
    run = factory.run(submission, RunResult(outcome="failed", checks=(
        CheckResult("test_visible", "passed", "", True),
        CheckResult("test_hidden", "failed", "assert 1 == 2", False),
        CheckResult("test_style", "advisory", "long lines", True),
    ), stdout="3 tests", stderr="warning", duration_s=2.5, exit_code=1, metrics={"rmse": 3.2, "n": 7},
        artifacts={"plot.png": b"\x89PNG", "nb.html": b"<html>"}, explanation="One check failed."))
    spec = dataclasses.replace(case, metric=Metric("rmse", "lower", 4.1))
    s = svc.run_summary(run, spec)
    assert s["finished"] and s["status"] == "done" and s["outcome"] == "failed" and s["kind"] == "full"
    assert [c["name"] for c in s["checks"]] == ["test_visible", "test_hidden", "test_style"]
    assert [c["visible"] for c in s["checks"]] == [True, False, True]
    assert s["counts"] == {"passed": 1, "failed": 1, "error": 0, "advisory": 1, "total": 3}
    assert s["hidden_counts"] == {"passed": 0, "failed": 1, "error": 0, "advisory": 0, "total": 1}
    assert (s["stdout"], s["stderr"], s["duration_s"], s["exit_code"]) == ("3 tests", "warning", 2.5, 1)
    assert s["metrics"] == {"rmse": 3.2, "n": 7}
    assert s["headline_metric"] == {"name": "rmse", "value": 3.2, "baseline": 4.1, "direction": "lower",
                                    "beats_baseline": True}
    assert s["explanation"] == "One check failed."
    assert [(a["name"], a["kind"]) for a in s["artifacts"]] == [("nb.html", "html"), ("plot.png", "image")]
    assert s["result_error"] is None


def test_run_summary_of_an_unfinished_run(factory: Factory, submission: Submission) -> None:
    s = svc.run_summary(factory.run(submission, status=RunStatus.QUEUED))
    assert (s["finished"], s["status"], s["outcome"], s["checks"], s["metrics"]) == (False, "queued", None, [], {})
    assert s["counts"]["total"] == 0 and s["headline_metric"] is None


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "null"])
def test_run_summary_survives_broken_json(factory: Factory, submission: Submission, raw: str) -> None:
    s = svc.run_summary(_damaged(factory, submission, raw))
    assert s["checks"] == [] and s["stdout"] == ""
    assert s["result_error"] is not None or raw == "null"


def test_run_summary_tolerates_odd_shapes(factory: Factory, submission: Submission) -> None:
    s = svc.run_summary(_damaged(factory, submission, json.dumps({
        "outcome": "passed", "checks": ["junk", {"status": "weird"}, {"name": "t", "status": "PASSED"}],
        "metrics": {"ok": 1.5, "text": "x", "flag": True, "nan": float("nan")}, "duration_s": "slow",
    })))
    assert s["outcome"] == "passed"  # from the JSON when the column is empty
    assert [(c["name"], c["status"], c["visible"]) for c in s["checks"]] == [
        ("(unnamed check)", "error", True), ("t", "passed", True)]
    assert s["metrics"] == {"ok": 1.5}
    assert s["duration_s"] is None


def test_run_summary_of_an_infra_error(factory: Factory, submission: Submission) -> None:
    run = factory.run(submission, RunResult(outcome="infra_error", explanation="docker down"), status=RunStatus.ERROR)
    s = svc.run_summary(run)
    assert s["finished"] and s["outcome"] == "infra_error" and s["infra_detail"] == "docker down"


# --------------------------------------------------------------------------- highlighting


def test_highlight_one_fragment_per_line_and_escaped() -> None:
    text = 'x = """a\n<script>alert(1)</script>"""\n\n\ny = 1\n'
    lines = highlight.highlight_lines("a.py", text)
    assert len(lines) == 5  # leading/trailing blank lines are kept: line numbers must match the file
    joined = "".join(lines)
    assert "<script" not in joined and "&lt;script&gt;" in joined
    assert all(line.count("<span") == line.count("</span>") for line in lines)


def test_highlight_unknown_and_huge_files_fall_back_to_plain_text() -> None:
    assert highlight.highlight_lines("x.unknownext", "<b>\n") == ["&lt;b&gt;"]
    big = "<i>\n" * (highlight.MAX_HIGHLIGHT_CHARS // 4 + 1)
    lines = highlight.highlight_lines("a.py", big)
    assert len(lines) == big.count("\n") and lines[0] == "&lt;i&gt;"
    assert highlight.highlight_lines("a.py", "") == []


def test_stylesheet_is_scoped() -> None:
    css = highlight.stylesheet()
    assert ".hl .k" in css and "\npre " not in css and not css.startswith("pre")


# --------------------------------------------------------------------------- suggestions' building blocks


def test_point_remembers_its_suggestion(session: Session, submission: Submission, reviewer: User) -> None:
    p = svc.add_talking_point(session, submission, reviewer, "From the diff", "solution.py", 1, source="diff",
                              suggestion_key="diff")
    assert (p.source, p.suggestion_key) == ("diff", "diff")
    assert svc.add_talking_point(session, submission, reviewer, "Mine").suggestion_key == ""


def test_latest_full_run_skips_practice_unfinished_and_broken_runs(session: Session, factory: Factory,
                                                                   submission: Submission) -> None:
    assert svc.latest_full_run(session, submission) is None
    done = factory.run(submission, RunResult(outcome="passed"))
    factory.run(submission, RunResult(outcome="passed"), kind=RunKind.CHECK)
    factory.run(submission, status=RunStatus.RUNNING)
    factory.run(submission, RunResult(outcome="infra_error"), status=RunStatus.ERROR)
    latest = svc.latest_full_run(session, submission)
    assert latest is not None and latest.id == done.id
