"""Finding 7 of the security review: a value that can reach a mail header (role title, names, e-mails, place)
is refused at the form when it holds a line break or another control character, with a clear message, and
inviting with mail configured never answers 500."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from caseportal.config import Settings
from caseportal.models import JobRole, Meeting, StaffRole, User
from tests.conftest import Factory, _app, login

MESSAGE = "Please write this on one line, without line breaks or control characters."


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def app(settings: Settings) -> Iterator[Flask]:
    """Mail configured (a local port nobody listens on: sending fails, as a mail server can)."""
    yield from _app(replace(settings, mail_server="127.0.0.1", mail_port=_closed_port()), WTF_CSRF_ENABLED=False)


def _count(factory: Factory, model: type[JobRole] | type[Meeting] | type[User]) -> int:
    factory.session.expire_all()
    return int(factory.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_role_title_with_a_line_break_is_refused_and_inviting_never_fails(
        app: Flask, client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    before = _count(factory, JobRole)
    for title in ("Backend\r\nBcc: everyone@example.org", "Backend\ndeveloper", "Backend\x00",
                  "Backend\u2028developer"):
        resp = client.post("/roles/new", data={"title": title, "team": "Payments"})
        assert resp.status_code == 200 and MESSAGE in resp.get_data(as_text=True), title
    assert client.post("/roles/new", data={"title": "Backend", "team": "Pay\nments"}).status_code == 200
    assert _count(factory, JobRole) == before
    assert client.post("/roles/new", data={"title": "Backend developer"}).status_code == 302
    role = factory.session.scalars(select(JobRole).where(JobRole.title == "Backend developer")).first()
    meeting = factory.meeting(job_role=role)
    resp = client.post(f"/meetings/{meeting.id}/invite")
    assert resp.status_code == 302


def test_meeting_fields_that_reach_mail_are_one_line(app: Flask, client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    role = factory.job_role()
    slug = factory.case_slugs(1)[0]
    good = {"candidate_name": "Ada Lovelace", "candidate_email": "ada@example.org", "job_role_id": str(role.id),
            "timezone": "Europe/Stockholm", "duration_minutes": "60", "cases": [slug], "place": "Room 1"}
    before = _count(factory, Meeting)
    for name, bad in (("candidate_name", "Ada\r\nBcc: x@example.org"), ("candidate_email", "ada@example.org\n"),
                      ("place", "Room\n1")):
        resp = client.post("/meetings/new", data={**good, name: bad})
        assert resp.status_code in (200, 400) and MESSAGE in resp.get_data(as_text=True), name
    assert _count(factory, Meeting) == before
    assert client.post("/meetings/new", data=good).status_code == 302


def test_staff_names_are_one_line(app: Flask, client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.ADMIN))
    before = _count(factory, User)
    resp = client.post("/admin/staff", data={"name": "Eve\r\nBcc: x@example.org", "email": "eve@example.org",
                                             "role": "reviewer", "password": "long enough password"})
    assert MESSAGE in resp.get_data(as_text=True) and _count(factory, User) == before


def test_the_message_is_in_swedish(app: Flask, client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    resp = client.post("/roles/new", data={"title": "A\nB"}, headers={"Accept-Language": "sv"})
    assert "Skriv det här på en rad" in resp.get_data(as_text=True)
