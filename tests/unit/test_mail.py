"""Mail goes over a real socket to a tiny SMTP server run by the test (``smtp_server`` in this package's conftest)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from caseportal.casebook import scaffold
from caseportal.config import Settings
from caseportal.models import Invitation, StaffRole
from caseportal.services import calendar, invitations, mail
from tests.conftest import Factory, login
from tests.unit.conftest import SMTPState


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_not_configured_sends_nothing(tmp_path: Path) -> None:
    cfg = Settings.for_tests(tmp_path)
    assert not mail.mail_configured(cfg)
    assert mail.send_mail(cfg, "a@example.org", "s", "b") is False


def test_send_over_a_real_socket_with_login_and_ics(tmp_path: Path, smtp_server: tuple[int, SMTPState]) -> None:
    port, state = smtp_server
    cfg = Settings.for_tests(tmp_path, mail_server="127.0.0.1", mail_port=port, mail_sender="jobs@example.org",
                             mail_username="mailer", mail_password="s3cret")
    assert mail.mail_configured(cfg)
    ics = calendar.build_calendar([[("UID", "x@y"), ("DTSTAMP", "20250101T000000Z"),
                                    ("DTSTART", "20250102T090000Z"), ("SUMMARY", "Möte")]])
    ok = mail.send_mail(cfg, "ada@example.org", "Let's meet – Åsa", "Hello Åsa,\n.\nA line with a dot.\n", ics)
    assert ok is True
    assert state.logins == [("mailer", "s3cret")]
    [got] = state.messages
    assert got.mail_from == "jobs@example.org" and got.rcpt_to == ["ada@example.org"]
    msg = got.message()
    assert msg["Subject"] == "Let's meet – Åsa"
    assert msg["From"] == "jobs@example.org" and msg["To"] == "ada@example.org"
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == "Hello Åsa,\n.\nA line with a dot.\n"
    [att] = list(msg.iter_attachments())
    assert att.get_content_type() == "text/calendar" and att.get_filename() == "meeting.ics"
    assert att.get_param("method") == "PUBLISH"
    assert att.get_payload(decode=True) == ics


def test_header_unsafe_values_never_raise(tmp_path: Path, smtp_server: tuple[int, SMTPState]) -> None:
    """A subject saved with a line break goes out on one line; an address with one is refused, not raised."""
    port, state = smtp_server
    cfg = Settings.for_tests(tmp_path, mail_server="127.0.0.1", mail_port=port)
    assert mail.send_mail(cfg, "ada@example.org", "Backend\r\ndeveloper\nBcc: x@evil.example", "b") is True
    [got] = state.messages
    assert got.message()["Subject"] == "Backend developer Bcc: x@evil.example"
    assert got.rcpt_to == ["ada@example.org"]
    assert mail.send_mail(cfg, "ada@example.org\r\nBcc: x@evil.example", "s", "b") is False
    assert len(state.messages) == 1


def test_failures_are_reported_not_raised(tmp_path: Path, smtp_server: tuple[int, SMTPState]) -> None:
    port, state = smtp_server
    state.refuse_rcpt = True
    cfg = Settings.for_tests(tmp_path, mail_server="127.0.0.1", mail_port=port)
    assert mail.send_mail(cfg, "nobody@example.org", "s", "b") is False
    nobody = Settings.for_tests(tmp_path, mail_server="127.0.0.1", mail_port=_free_port())
    assert mail.send_mail(nobody, "a@example.org", "s", "b") is False


# --------------------------------------------------------------------------- through the web: "Send invitation"


@pytest.fixture()
def settings(tmp_path: Path, smtp_server: tuple[int, SMTPState]) -> Settings:
    """This module's app mails through the test SMTP server and has a small case library of its own."""
    lib = tmp_path / "cases"
    scaffold(lib, "rate-limiter", "coding")
    return Settings.for_tests(tmp_path, cases_dir=lib, mail_server="127.0.0.1", mail_port=smtp_server[0],
                              mail_sender="jobs@example.org", base_url="https://jobs.example.org")


def test_invitation_is_emailed(app: Flask, client: FlaskClient, factory: Factory,
                               smtp_server: tuple[int, SMTPState]) -> None:
    _, state = smtp_server
    manager = factory.user(StaffRole.MANAGER, name="Maria Manager")
    meeting = factory.meeting(created_by_id=manager.id, video_link="https://meet.example.org/x")
    meeting.starts_at = datetime(2031, 3, 31, 8, 0, tzinfo=UTC)
    meeting.case_deadline = None
    factory.session.commit()
    login(client, manager)
    resp = client.post(f"/meetings/{meeting.id}/invite", follow_redirects=True)
    assert resp.status_code == 200
    assert b"emailed to" in resp.data
    [got] = state.messages
    assert got.rcpt_to == [meeting.candidate_email]
    msg = got.message()
    body = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hello Ada Candidate" in body and "Monday 31 March 2031, 10:00 (Europe/Stockholm)" in body
    link = next(line for line in body.splitlines() if line.startswith("https://jobs.example.org/i/"))
    inv = invitations.resolve(app.extensions["caseportal.db"].session(), link.rsplit("/", 1)[1], "test-secret")
    assert inv.meeting_id == meeting.id and inv.sent_by_mail
    [att] = list(msg.iter_attachments())
    assert b"DTSTART:20310331T080000Z" in att.get_payload(decode=True)
    assert b"SUMMARY:Meeting about the Backend developer role" in att.get_payload(decode=True)


def test_mail_failure_still_shows_the_link(client: FlaskClient, factory: Factory, session,
                                           smtp_server: tuple[int, SMTPState]) -> None:
    smtp_server[1].refuse_rcpt = True
    manager = factory.user(StaffRole.MANAGER)
    meeting = factory.meeting()
    login(client, manager)
    resp = client.post(f"/meetings/{meeting.id}/invite", follow_redirects=True)
    assert b"could not be sent" in resp.data
    inv = session.query(Invitation).filter_by(meeting_id=meeting.id).one()
    assert not inv.sent_by_mail
    assert b"https://jobs.example.org/i/" in resp.data
