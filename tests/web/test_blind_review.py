"""Blind review: a reviewer sees no candidate name or email on any page they can reach until they have written
their own talking points (or the meeting took place). Every GET route of the staff blueprints is tried."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.config import Settings
from caseportal.models import Meeting, Run, StaffRole, Submission, TalkingPoint, User
from caseportal.services import brief as brief_svc
from caseportal.services import meetings, notify, review, visibility
from sandbox.spec import CheckResult, RunResult
from tests.conftest import SOLUTION, Factory, install_case, login

NAME = "Blinda Secretname"
EMAIL = "blinda.secret@example.org"
SECRETS = (NAME, "Secretname", EMAIL, "blinda.secret")
STAFF_BLUEPRINTS = ("review", "manage", "notifications")
#: GET pages a reviewer of the meeting must be able to open (so the sweep really looks at them).
MUST_REACH = {"manage.dashboard", "manage.meeting", "manage.meeting_ics", "manage.brief", "manage.brief_pdf",
              "review.meeting", "review.submission", "review.file_raw", "review.artifact", "review.edit_point",
              "review.pygments_css", "notifications.index"}


@dataclass
class World:
    reviewer: User
    colleague: User
    manager: User
    meeting: Meeting
    submission: Submission
    run: Run
    colleague_point: TalkingPoint


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    return install_case(app, tmp_path / "library")


@pytest.fixture()
def world(app: Flask, session: Session, factory: Factory, settings: Settings, case: CaseSpec) -> World:
    reviewer = factory.user(StaffRole.REVIEWER, name="Rita Reviewer")
    colleague = factory.user(StaffRole.REVIEWER, name="Colin Colleague")
    manager = factory.user(StaffRole.MANAGER, name="Maria Manager")
    m = factory.meeting(reviewers=[reviewer, colleague], cases=[case.slug], candidate=NAME, blind_review=True,
                        created_by_id=manager.id)
    m.candidate_email = EMAIL
    session.commit()
    sub = factory.submission(m, {"solution.py": SOLUTION, "notes.md": b"# My notes\n"}, case=case,
                             notes="I would add a heap.", questions="How big is the team?")
    run = factory.run(sub, RunResult(outcome="failed", checks=(
        CheckResult("test_visible_basic", "passed"), CheckResult("test_hidden_ties", "failed", "", False)),
        metrics={"p95_ms": 12.5}, artifacts={"plot.png": b"\x89PNG\r\n"}))
    # a colleague's point does not lift the blind for anyone else
    point = review.add_talking_point(session, sub, colleague, "Colleague's point", "solution.py", 1)
    review.add_comment(session, sub, colleague, "solution.py", 1, "A colleague's comment")
    notify.notify_submission(session, settings, sub, "http://localhost", library=app.extensions[
        "caseportal.casebook"])
    session.commit()
    return World(reviewer, colleague, manager, m, sub, run, point)


def _args(world: World) -> dict[str, object]:
    """A value for every URL argument of a staff GET route, all pointing at the blind meeting's things."""
    role = world.meeting.job_role
    return {
        "meeting_id": world.meeting.id, "submission_id": world.submission.id,
        "file_id": world.submission.files[0].id, "run_id": world.run.id,
        "artifact_id": world.run.artifacts[0].id, "point_id": world.colleague_point.id,
        "role_id": role.id, "employer_id": role.employer_id, "slug": world.submission.case_slug, "name": "notes.md",
    }


def _leaks(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    return [s for s in SECRETS if s in text]


def sweep(app: Flask, client: FlaskClient, world: World,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[int, list[str]]]:
    """GET every staff route; {endpoint: (status, secrets found in the body, headers or the PDF's HTML)}."""
    pdf_html: list[str] = []
    real = brief_svc.render_pdf

    def spy(html: str, *args: object, **kwargs: object) -> brief_svc.PdfRender:
        pdf_html.append(html)
        return real(html, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(brief_svc, "render_pdf", spy)
    values = _args(world)
    out: dict[str, tuple[int, list[str]]] = {}
    unfillable = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in STAFF_BLUEPRINTS or "GET" not in (rule.methods or ()):
            continue
        if not set(rule.arguments) <= set(values):
            unfillable.append(rule.rule)
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
        pdf_html.clear()
        resp = client.get(url)
        found = _leaks(resp.data) + _leaks(str(resp.headers).encode())
        if pdf_html:
            found += _leaks(pdf_html[0].encode())
        out[rule.endpoint] = (resp.status_code, found)
    assert not unfillable, f"teach this test the arguments of {unfillable}"
    return out


def test_nothing_leaks_before_the_reviewer_wrote_points(app: Flask, client: FlaskClient, session: Session,
                                                        factory: Factory, world: World,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    login(client, world.reviewer)
    results = sweep(app, client, world, monkeypatch)
    reached = {e for e, (status, _found) in results.items() if status == 200}
    assert MUST_REACH <= reached, MUST_REACH - reached
    leaks = {e: found for e, (status, found) in results.items() if found}
    assert leaks == {}, leaks
    # a page rendered after a failed form post, too
    resp = client.post(f"/review/submissions/{world.submission.id}/points", data={"tp-text": ""})
    assert resp.status_code == 400 and _leaks(resp.data) == []
    # the notification they got says "Candidate #id"
    assert f"Candidate #{world.meeting.id} handed in" in client.get("/notifications").get_data(as_text=True)

    # writing a point on another meeting lifts nothing here
    other = Meeting(candidate_name="Open Person", candidate_email="open@example.org",
                    job_role=world.meeting.job_role)
    other.reviewers = [world.reviewer]
    session.add(other)
    session.commit()
    other_sub = factory.submission(other, {"solution.py": SOLUTION}, case=world.submission.case_slug)
    review.add_talking_point(session, other_sub, world.reviewer, "Elsewhere")
    session.commit()
    assert not _leaks(client.get(f"/review/meetings/{world.meeting.id}").data)

    # once they wrote their own talking point, the name is there
    assert client.post(f"/review/submissions/{world.submission.id}/points",
                       data={"tp-text": "My own first impression"}).status_code == 302
    for url in (f"/review/meetings/{world.meeting.id}", f"/review/submissions/{world.submission.id}",
                f"/meetings/{world.meeting.id}", "/meetings", f"/meetings/{world.meeting.id}/brief"):
        assert NAME in client.get(url).get_data(as_text=True), url
    assert EMAIL in client.get(f"/review/meetings/{world.meeting.id}").get_data(as_text=True)
    assert "Secretname" in client.get(f"/meetings/{world.meeting.id}/meeting.ics").get_data(as_text=True)


def test_accepting_a_suggestion_counts_as_writing(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    assert NAME not in client.get(f"/review/submissions/{world.submission.id}").get_data(as_text=True)
    assert client.post(f"/review/submissions/{world.submission.id}/suggestions/diff/accept").status_code == 302
    assert NAME in client.get(f"/review/submissions/{world.submission.id}").get_data(as_text=True)


def test_the_colleague_who_wrote_sees_the_name(client: FlaskClient, world: World) -> None:
    login(client, world.colleague)
    assert NAME in client.get(f"/review/meetings/{world.meeting.id}").get_data(as_text=True)


def test_the_sweep_finds_the_name_where_it_is_shown(app: Flask, client: FlaskClient, world: World,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: for a manager the same sweep finds the name, also in the ics file and the PDF's HTML."""
    login(client, world.manager)
    results = sweep(app, client, world, monkeypatch)
    found = {e for e, (_status, leaks) in results.items() if leaks}
    assert {"manage.dashboard", "manage.meeting", "manage.meeting_ics", "manage.brief", "manage.brief_pdf",
            "review.meeting", "review.submission"} <= found, found


def test_managers_always_and_everyone_after_the_meeting(client: FlaskClient, session: Session,
                                                        world: World) -> None:
    login(client, world.manager)
    for url in (f"/review/meetings/{world.meeting.id}", f"/meetings/{world.meeting.id}",
                f"/meetings/{world.meeting.id}/brief"):
        assert NAME in client.get(url).get_data(as_text=True), url
    client.post("/logout")
    meetings.mark_met(world.meeting)
    session.commit()
    login(client, world.reviewer)
    assert NAME in client.get(f"/review/meetings/{world.meeting.id}").get_data(as_text=True)


def test_hides_identity_rule(session: Session, world: World) -> None:
    m, rev = world.meeting, world.reviewer
    assert visibility.hides_identity(m, rev, session=session)
    assert visibility.hides_identity(m, rev)  # the meeting's own session is used when none is given
    assert not visibility.hides_identity(m, rev, has_written=True)
    assert not visibility.hides_identity(m, world.colleague, session=session)
    assert not visibility.hides_identity(m, world.manager)
    session.expunge(m)
    assert visibility.hides_identity(m, rev)  # no session to ask: stay hidden
