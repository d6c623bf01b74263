"""services.brief: the agenda for staff and for the candidate, redaction, and a PDF that fetches nothing outside."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, Library
from caseportal.models import Meeting, StaffRole, Submission, User
from caseportal.services import brief as svc
from caseportal.services import review, suggestion_sources, suggestions
from sandbox.spec import CheckResult, RunResult
from tests.conftest import PROMPT_ASK, PROMPT_GOOD, PROMPT_TRADEOFFS, SOLUTION, Factory, install_case

RESULT = RunResult(outcome="failed", checks=(
    CheckResult("test_visible_basic", "passed"),
    CheckResult("tests/test_hidden.py::test_hidden_ties", "failed", "assert 1 == 2", False),
    CheckResult("test_hidden_empty_counts", "failed", "IndexError", False),
), metrics={"p95_ms": 12.5})


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    return install_case(app, tmp_path / "library")


@pytest.fixture()
def reviewer(factory: Factory) -> User:
    return factory.user(StaffRole.REVIEWER, name="Rita Reviewer")


@pytest.fixture()
def meeting(factory: Factory, case: CaseSpec, reviewer: User) -> Meeting:
    return factory.meeting(reviewers=[reviewer], cases=[case.slug], candidate="Ada Candidate")


@pytest.fixture()
def submission(session: Session, factory: Factory, meeting: Meeting, case: CaseSpec, reviewer: User) -> Submission:
    sub = factory.submission(meeting, {"solution.py": SOLUTION}, case=case,
                             questions="- How big is the team?\n- What does on-call look like?")
    factory.run(sub, RESULT)
    items = {s.key: s for s in suggestions.all_for(session, sub, case)}
    suggestions.accept(session, sub, case, reviewer, "checks-hidden")
    suggestions.accept(session, sub, case, reviewer, suggestion_sources.prompt_key(PROMPT_ASK))
    suggestions.accept(session, sub, case, reviewer, suggestion_sources.question_key("How big is the team?"),
                       "Team size: Anna answers (8 people, 2 designers).")
    review.add_talking_point(session, sub, reviewer, f"Our own point. {PROMPT_GOOD}", "solution.py", 3)
    review.add_comment(session, sub, reviewer, "solution.py", 3, "Nice tie-breaking")
    session.commit()
    assert "checks-hidden" in items
    return sub


def library(app: Flask) -> Library:
    return app.extensions["caseportal.casebook"]


def test_staff_brief_has_everything_in_order(app: Flask, session: Session, meeting: Meeting,
                                             submission: Submission) -> None:
    b = svc.brief_for(session, meeting, library(app), "staff")
    assert b.for_staff and b.candidate == "Ada Candidate" and b.role_title == "Backend developer"
    assert [name for name, _ in b.offers] == ["offer_growth", "offer_tech", "offer_benefits", "offer_worklife"]
    [c] = b.cases
    assert c.title == "Top items" and c.time_estimate_minutes == 90
    texts = [p.text for p in c.points]
    assert texts[0].startswith("Two hidden edge-case checks did not pass (`tests/test_hidden.py::test_hidden_ties`")
    assert texts[1] == PROMPT_ASK
    assert texts[2] == f"Our own point. {PROMPT_GOOD}"
    assert len(texts) == 3  # the question's point is under the question, not in the case discussion
    assert c.points[2].ref == "solution.py:3" and c.points[2].author == "Rita Reviewer"
    assert [(cm.ref, cm.body, cm.author) for cm in c.comments] == [("solution.py:3", "Nice tie-breaking",
                                                                   "Rita Reviewer")]
    assert c.prompts and c.prompts[0].good == PROMPT_GOOD
    assert c.checks == "1 of 3 checks passed (hidden checks: 0 of 2)."
    assert c.metric == "p95_ms: 12.5 against a baseline of 20 (lower is better)."
    assert [(q.text, q.notes) for q in b.questions] == [
        ("How big is the team?", ("Team size: Anna answers (8 people, 2 designers).",)),
        ("What does on-call look like?", ()),
    ]


def test_blind_label_replaces_the_name(app: Flask, session: Session, meeting: Meeting,
                                       submission: Submission) -> None:
    b = svc.brief_for(session, meeting, library(app), "staff", candidate_label="Candidate #7")
    assert b.candidate == "Candidate #7"
    assert "Ada" not in repr(b) and meeting.candidate_email not in repr(b)


def test_candidate_version_has_no_reviewer_only_material(app: Flask, session: Session, meeting: Meeting,
                                                         submission: Submission) -> None:
    b = svc.brief_for(session, meeting, library(app), "candidate")
    dump = repr(b)
    for secret in ("test_hidden_ties", "test_hidden_empty_counts", "test_hidden.py", PROMPT_GOOD,
                   PROMPT_TRADEOFFS, "Nice tie-breaking", "Anna answers", "Ada Candidate"):
        assert secret not in dump, secret
    [c] = b.cases
    assert c.comments == () and c.prompts == () and c.checks == "" and c.metric == ""
    assert all(p.author == "" for p in c.points)
    assert [p.text for p in c.points] == [
        "Two hidden edge-case checks did not pass. How would you go about finding cases like these, and how would "
        "you test for them?",
        PROMPT_ASK,
        "Our own point.",
    ]
    assert [(q.text, q.notes) for q in b.questions] == [("How big is the team?", ()),
                                                        ("What does on-call look like?", ())]
    assert b.reviewers == ("Rita Reviewer",)  # who they will meet is not a secret
    assert b.candidate == ""


def test_nothing_submitted_yet(app: Flask, session: Session, meeting: Meeting, case: CaseSpec) -> None:
    staff = svc.brief_for(session, meeting, library(app), "staff")
    assert [(c.title, c.points, bool(c.prompts)) for c in staff.cases] == [("Top items", (), True)]
    assert svc.brief_for(session, meeting, library(app), "candidate").cases == ()
    with pytest.raises(ValueError):
        svc.brief_for(session, meeting, library(app), "everyone")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("Two did not pass (`test_a_x` and `test_b_y`). Why?", "Two did not pass. Why?"),
    ("Three did not pass (`test_a_x`, `test_b_y` and 1 more).", "Three did not pass."),
    ("Look at test_a_x first.", "Look at a hidden check first."),
    ("Keep test_a_xyz and attest_a_x alone.", "Keep test_a_xyz and attest_a_x alone."),
    ("Mixed (`test_a_x`, `visible_one`).", "Mixed (a hidden check, `visible_one`)."),
])
def test_redact(text: str, expected: str) -> None:
    assert svc.redact(text, ["test_a_x", "test_b_y", "", "ab"]) == expected


def test_redact_drops_reviewer_only_notes() -> None:
    assert svc.redact("Ask about caching. A good answer: mentions TTLs.", [], ["mentions TTLs."]) == (
        "Ask about caching. A good answer:")


# --------------------------------------------------------------------------- PDF


@pytest.mark.parametrize(("url", "ok"), [
    ("http://localhost/static/app.css", True),
    ("http://localhost/static/app.css?v=1", True),
    ("http://localhost/static/../config.py", False),
    ("http://localhost/static/%2e%2e/config.py", False),
    ("http://localhost/static/", False),
    ("http://localhost/static/nope.css", False),
    ("http://localhost/review/pygments.css", False),
    ("http://evil.example/static/app.css", False),
    ("https://localhost/static/app.css", False),
    ("file:///etc/passwd", False),
])
def test_static_file_for(app: Flask, url: str, ok: bool) -> None:
    static = Path(app.static_folder or "")
    found = svc.static_file_for(url, "http://localhost/", static)
    assert (found is not None) == ok, url
    if ok:
        assert found == (static / "app.css").resolve()


def test_render_pdf_serves_own_static_files_and_fetches_nothing_else(
        app: Flask, web_server: tuple[str, list[str]]) -> None:
    base, hits = web_server
    html = (f'<html><head><link rel="stylesheet" href="/static/app.css"><link rel="stylesheet" '
            f'href="{base}/evil.css"></head><body><h1>Brief</h1><img src="{base}/pixel.png" alt="x">'
            f'<img src="file:///etc/hostname" alt="y"></body></html>')
    result = svc.render_pdf(html, "http://localhost/", Path(app.static_folder or ""))
    assert result.pdf.startswith(b"%PDF")
    assert result.served == ["http://localhost/static/app.css"]
    assert sorted(result.refused) == sorted([f"{base}/evil.css", f"{base}/pixel.png", "file:///etc/hostname"])
    assert hits == []  # the server never saw a request

