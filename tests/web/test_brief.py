"""The meeting brief through the web: agenda, access, PDF without network, sharing, the candidate's version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, load_library
from caseportal.models import Meeting, StaffRole, Submission, User
from caseportal.services import brief as brief_svc
from caseportal.services import review, suggestion_sources, suggestions
from caseportal.services.errors import NotFound
from sandbox.spec import CheckResult, RunResult
from tests.conftest import (
    PASSWORD,
    PROMPT_ASK,
    PROMPT_GOOD,
    PROMPT_TRADEOFFS,
    SOLUTION,
    Factory,
    csrf_token_from,
    install_case,
    login,
)

HIDDEN = ("test_hidden_ties", "test_hidden_empty_counts")


@dataclass
class World:
    reviewer: User
    other: User
    manager: User
    meeting: Meeting
    submission: Submission
    base: str
    hits: list[str]


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    return install_case(app, tmp_path / "library")


@pytest.fixture()
def world(session: Session, factory: Factory, case: CaseSpec, web_server: tuple[str, list[str]]) -> World:
    base, hits = web_server
    reviewer = factory.user(StaffRole.REVIEWER, name="Rita Reviewer")
    other = factory.user(StaffRole.REVIEWER, name="Otto Outsider")
    manager = factory.user(StaffRole.MANAGER, name="Maria Manager")
    role = factory.job_role()
    role.offer_growth = f"A **mentor** from day one. ![team photo]({base}/team.png)"
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug], candidate="Ada Candidate", job_role=role,
                        place="Office, floor 3")
    sub = factory.submission(m, {"solution.py": SOLUTION}, case=case,
                             questions="- How big is the team?\n- What does on-call look like?")
    factory.run(sub, RunResult(outcome="failed", checks=(
        CheckResult("test_visible_basic", "passed"),
        *(CheckResult(name, "failed", "assert 1 == 2", False) for name in HIDDEN)), metrics={"p95_ms": 12.5}))
    suggestions.accept(session, sub, case, reviewer, "checks-hidden")
    suggestions.accept(session, sub, case, reviewer, suggestion_sources.prompt_key(PROMPT_ASK))
    suggestions.accept(session, sub, case, reviewer, suggestion_sources.question_key("How big is the team?"),
                       "Anna answers: eight people.")
    review.add_talking_point(session, sub, reviewer, f"Walk through the tie-breaking. ![diagram]({base}/d.png)",
                             "solution.py", 3)
    review.add_comment(session, sub, reviewer, "solution.py", 3, "Neat tie-breaking comment")
    session.commit()
    return World(reviewer, other, manager, m, sub, base, hits)


def _html(client: FlaskClient, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.data[:300])
    return resp.get_data(as_text=True)


# --------------------------------------------------------------------------- the staff brief


def test_brief_agenda_in_order(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    html = _html(client, f"/meetings/{world.meeting.id}/brief")
    order = [html.index(marker) for marker in (
        'id="agenda-offer"', "Growth and learning", "<strong>mentor</strong>",
        'id="agenda-case"', "Two hidden edge-case checks did not pass", PROMPT_ASK, "Walk through the tie-breaking",
        'id="agenda-questions"', "How big is the team?", "Anna answers: eight people.",
        "What does on-call look like?", 'id="agenda-next"')]
    assert order == sorted(order)
    assert "1 of 3 checks passed (hidden checks: 0 of 2)." in html
    assert "<code>solution.py:3</code>" in html and "Neat tie-breaking comment" in html
    assert PROMPT_GOOD in html and PROMPT_TRADEOFFS in html  # the reviewer guide is for staff
    assert "Ada Candidate" in html and "Office, floor 3" in html
    assert f'href="/meetings/{world.meeting.id}/brief.pdf"' in html
    assert "Share with the candidate" not in html  # reviewers do not share
    assert html.count("<h1") == 1


def test_brief_access(client: FlaskClient, world: World) -> None:
    url = f"/meetings/{world.meeting.id}/brief"
    resp = client.get(url)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login(client, world.other)
    assert client.get(url).status_code == 404
    assert client.get(url + ".pdf").status_code == 404
    client.post("/logout")
    login(client, world.manager)
    html = _html(client, url)
    assert "Share with the candidate" in html and "See what the candidate sees" in html
    assert client.get(f"/meetings/{world.meeting.id + 999}/brief").status_code == 404


def test_pdf_is_rendered_without_any_external_fetch(client: FlaskClient, world: World,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    renders: list[brief_svc.PdfRender] = []
    real = brief_svc.render_pdf

    def spy(*args: object, **kwargs: object) -> brief_svc.PdfRender:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        renders.append(result)
        return result

    monkeypatch.setattr(brief_svc, "render_pdf", spy)
    login(client, world.reviewer)
    resp = client.get(f"/meetings/{world.meeting.id}/brief.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF") and len(resp.data) > 1000
    assert resp.headers["Content-Disposition"] == f'attachment; filename="meeting-{world.meeting.id}-brief.pdf"'
    assert "no-store" in resp.headers["Cache-Control"]
    [render] = renders
    assert {u.rsplit("/", 1)[1] for u in render.served} == {"app.css", "print.css", "brief.css"}
    assert sorted(render.refused) == sorted([f"{world.base}/team.png", f"{world.base}/d.png"])
    assert world.hits == []  # our url_fetcher refused: the server never got a request


# --------------------------------------------------------------------------- sharing and the candidate's version


def test_manager_shares_and_unshares(client: FlaskClient, session: Session, world: World) -> None:
    url = f"/meetings/{world.meeting.id}/brief/share"
    login(client, world.reviewer)
    assert client.post(url, data={"shared": "1"}).status_code == 403
    assert client.get(f"/meetings/{world.meeting.id}/brief/candidate").status_code == 403
    client.post("/logout")
    login(client, world.manager)
    resp = client.post(url, data={"shared": "1"}, follow_redirects=True)
    assert "The candidate can now see the brief" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Meeting, world.meeting.id).brief_shared is True  # type: ignore[union-attr]
    assert "Stop sharing" in _html(client, f"/meetings/{world.meeting.id}/brief")
    client.post(url, data={"shared": "0"})
    session.expire_all()
    assert session.get(Meeting, world.meeting.id).brief_shared is False  # type: ignore[union-attr]


def _assert_candidate_safe(html: str) -> None:
    for secret in (*HIDDEN, "test_hidden.py", PROMPT_GOOD, PROMPT_TRADEOFFS, "Neat tie-breaking comment",
                   "Rita Reviewer accepted", "added by", "Anna answers", "/review/", "checks passed",
                   "Maria Manager"):
        assert secret not in html, secret


def test_candidate_version_excludes_reviewer_only_material(app: Flask, client: FlaskClient, world: World) -> None:
    from caseportal.web.briefing import render_candidate_brief

    login(client, world.manager)
    page = _html(client, f"/meetings/{world.meeting.id}/brief/candidate")
    assert "Not shared yet" in page
    preview = page[page.index('<div class="preview card">'):page.index("</main>")]  # the page's own chrome aside
    with app.test_request_context():
        with pytest.raises(NotFound):
            render_candidate_brief(world.meeting)  # not shared yet
        world.meeting.brief_shared = True
        fragment = str(render_candidate_brief(world.meeting))
    for html in (preview, fragment):
        _assert_candidate_safe(html)
        assert "Two hidden edge-case checks did not pass. How would you go about finding cases like these" in html
        assert PROMPT_ASK in html and "Walk through the tie-breaking" in html
        assert "We can look at solution.py:3 together." in html
        assert "How big is the team?" in html and "What does on-call look like?" in html
        order = [html.index(f'id="cbrief-{part}"') for part in ("offer", "case", "questions", "next")]
        assert order == sorted(order)
    assert "<h1" not in fragment and fragment.lstrip().startswith("<section")


def test_share_form_carries_a_csrf_token(csrf_app: Flask, world: World, case: CaseSpec) -> None:
    csrf_app.extensions["caseportal.casebook"] = load_library(case.path.parent)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    client.post("/login", data={"email": world.manager.email, "password": PASSWORD, "csrf_token": token})
    url = f"/meetings/{world.meeting.id}/brief/share"
    assert client.post(url, data={"shared": "1"}).status_code == 400
    token = csrf_token_from(client.get(f"/meetings/{world.meeting.id}/brief").data)
    assert client.post(url, data={"shared": "1", "csrf_token": token}).status_code == 302
