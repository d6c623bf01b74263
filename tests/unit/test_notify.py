"""Notifications when work is handed in: in-app for every reviewer, mail over a real socket, blind review kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, render_template_string, url_for
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, Library
from caseportal.config import REPO_ROOT, Settings
from caseportal.models import Meeting, Notification, StaffRole, Submission, User, utcnow
from caseportal.services import notify
from tests.conftest import PASSWORD, SOLUTION, Factory, csrf_token_from, install_case, login
from tests.unit.conftest import SMTPState


@pytest.fixture()
def settings(tmp_path: Path, smtp_server: tuple[int, SMTPState]) -> Settings:
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", mail_server="127.0.0.1",
                              mail_port=smtp_server[0], mail_sender="jobs@example.org",
                              base_url="https://jobs.example.org")


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    return install_case(app, tmp_path / "library")


def library(app: Flask) -> Library:
    return app.extensions["caseportal.casebook"]


def _meeting(factory: Factory, case: CaseSpec, *reviewers: User, blind: bool = False) -> Meeting:
    return factory.meeting(reviewers=list(reviewers), cases=[case.slug], candidate="Ada Candidate",
                           blind_review=blind)


def _notes(session: Session, user: User) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_every_reviewer_gets_a_notification_and_a_mail(app: Flask, session: Session, factory: Factory,
                                                      settings: Settings, case: CaseSpec,
                                                      smtp_server: tuple[int, SMTPState]) -> None:
    _, state = smtp_server
    rita, rob = factory.user(name="Rita Reviewer"), factory.user(StaffRole.MANAGER, name="Rob Manager")
    gone = factory.user(name="Gone Reviewer")
    gone.active = False
    bystander = factory.user(StaffRole.MANAGER)
    m = _meeting(factory, case, rita, rob, gone)
    sub = factory.submission(m, {"solution.py": SOLUTION}, case=case)

    created = notify.notify_submission(session, settings, sub, "https://jobs.example.org/", library=library(app))
    session.commit()

    assert sorted(n.user_id for n in created) == sorted([rita.id, rob.id])
    assert _notes(session, gone) == [] and _notes(session, bystander) == []
    with app.test_request_context():
        link = url_for("review.submission", submission_id=sub.id)
    for n in created:
        assert n.link == link and n.read_at is None
        assert n.text.startswith("Ada Candidate handed in their work on “Top items” for the Backend developer")

    assert sorted(msg.rcpt_to[0] for msg in state.messages) == sorted([rita.email, rob.email])
    for got in state.messages:
        msg = got.message()
        assert msg["Subject"] == "Work handed in: Backend developer (Ada Candidate)"
        body = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert f"https://jobs.example.org/review/submissions/{sub.id}" in body
        assert "Top items" in body


def test_blind_review_keeps_name_and_email_out(app: Flask, session: Session, factory: Factory, settings: Settings,
                                               case: CaseSpec, smtp_server: tuple[int, SMTPState]) -> None:
    _, state = smtp_server
    rita, boss = factory.user(name="Rita Reviewer"), factory.user(StaffRole.MANAGER, name="Bea Boss")
    m = _meeting(factory, case, rita, boss, blind=True)
    sub = factory.submission(m, {"solution.py": SOLUTION}, case=case)
    created = {n.user_id: n for n in notify.notify_submission(session, settings, sub, "https://x.example",
                                                              library=library(app))}
    assert created[rita.id].text.startswith(f"Candidate #{m.id} handed in")
    assert "Ada" not in created[rita.id].text
    assert created[boss.id].text.startswith("Ada Candidate")  # managers always see the name
    mails = {got.rcpt_to[0]: got for got in state.messages}
    rita_mail = mails[rita.email].data.decode()
    assert "Ada" not in rita_mail and m.candidate_email not in rita_mail and f"Candidate #{m.id}" in rita_mail


def test_without_a_mail_server_only_in_app(session: Session, factory: Factory, settings: Settings, case: CaseSpec,
                                           smtp_server: tuple[int, SMTPState]) -> None:
    rita = factory.user()
    sub = factory.submission(_meeting(factory, case, rita), {"solution.py": SOLUTION}, case=case)
    created = notify.notify_submission(session, settings.with_(mail_server=""), sub, "http://localhost")
    assert [n.user_id for n in created] == [rita.id]
    assert "“tiny-case”" in created[0].text  # without the library the slug names the case
    assert smtp_server[1].messages == []


def test_a_failing_mail_server_loses_no_notification(session: Session, factory: Factory, settings: Settings,
                                                     case: CaseSpec, smtp_server: tuple[int, SMTPState]) -> None:
    smtp_server[1].refuse_rcpt = True
    rita = factory.user()
    sub = factory.submission(_meeting(factory, case, rita), {"solution.py": SOLUTION}, case=case)
    assert [n.user_id for n in notify.notify_submission(session, settings, sub, "http://localhost")] == [rita.id]


def test_missing_meeting(session: Session) -> None:
    ghost = Submission(id=99999, meeting_id=99999, case_slug="x", case_version="v")
    assert notify.notify_submission(session, Settings.for_tests(Path("/tmp")), ghost, "http://x") == []


@pytest.mark.parametrize(("link", "safe"), [("/review/submissions/1", "/review/submissions/1"), ("//evil.org", ""),
                                            ("https://evil.org", ""), ("javascript:alert(1)", ""), ("/\\evil", "")])
def test_safe_link(link: str, safe: str) -> None:
    assert notify.safe_link(link) == safe


# --------------------------------------------------------------------------- the notifications page


def _add(session: Session, user: User, text: str, minutes_ago: int, read: bool = False,
         link: str = "/review/submissions/1") -> Notification:
    n = Notification(user_id=user.id, text=text, link=link, created_at=utcnow() - timedelta(minutes=minutes_ago),
                     read_at=utcnow() if read else None)
    session.add(n)
    session.commit()
    return n


def test_own_notifications_only_newest_first_and_mark_all_read(client: FlaskClient, session: Session,
                                                               factory: Factory) -> None:
    me, other = factory.user(), factory.user()
    _add(session, me, "Older notice", 60)
    _add(session, me, "Newer notice", 5)
    _add(session, me, "Read notice", 120, read=True)
    _add(session, me, "Evil link", 200, link="https://evil.example/phish")
    _add(session, other, "Someone else's notice", 1)
    login(client, me)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Someone else" not in html
    assert html.index("Newer notice") < html.index("Older notice") < html.index("Read notice") < html.index(
        "Evil link")
    assert "You have 3 unread notifications." in html
    assert "evil.example" not in html  # a link off-site is not offered
    assert html.count('href="/review/submissions/1"') == 3

    assert client.post("/notifications/read").status_code == 302
    session.expire_all()
    assert all(n.read_at is not None for n in _notes(session, me))
    assert [n.read_at for n in _notes(session, other)] == [None]
    assert "You have read everything." in client.get("/notifications").get_data(as_text=True)


def test_notifications_need_a_login(client: FlaskClient) -> None:
    resp = client.get("/notifications")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.post("/notifications/read").status_code == 302


def test_unread_count_for_the_nav(app: Flask, session: Session, factory: Factory) -> None:
    me = factory.user()
    _add(session, me, "a", 1)
    _add(session, me, "b", 2)
    _add(session, me, "c", 3, read=True)
    with app.test_request_context():
        assert render_template_string("{{ unread_notifications() }}") == "0"  # anonymous
        login_user(me)
        assert render_template_string("{{ unread_notifications() }}") == "2"
    assert notify.unread_count(session, me) == 2


def test_mark_read_needs_a_csrf_token(csrf_app: Flask, factory: Factory) -> None:
    me = factory.user()
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    client.post("/login", data={"email": me.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/notifications/read").status_code == 400
    _add(factory.session, me, "x", 1)
    html = client.get("/notifications").data
    assert client.post("/notifications/read", data={"csrf_token": csrf_token_from(html)}).status_code == 302
