"""The privacy pages through the test client: the candidate's notice, download and withdrawal (English and
Swedish), the manager's outcome and erasure pages, the admin's audit log, export and erasure, and that staff
views of a candidate's work are logged."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.config import REPO_ROOT, Settings
from caseportal.models import Invitation, Meeting, MeetingRetention, Notification, StaffRole, Submission, User, utcnow
from caseportal.services import audit, retention, review
from sandbox.spec import CheckResult, Outcome, RunResult
from tests.conftest import Factory, login

CONTACT = "privacy@acme.example"


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", database_url=database_url,
                              privacy_controller="Acme AB", privacy_contact=CONTACT)


def text(resp: object) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))  # type: ignore[attr-defined]


def _worked(factory: Factory, session: Session) -> tuple[Meeting, str, User]:
    """A meeting whose candidate handed in work with a finished run, a hidden check and a reviewer's point."""
    reviewer = factory.user(StaffRole.REVIEWER)
    meeting = factory.meeting(reviewers=[reviewer])
    token = factory.invite(meeting)
    sub = factory.submission(meeting, {"solution.py": b"print('mine')\n"}, notes="needed more time")
    factory.run(sub, RunResult(outcome=Outcome.failed, checks=(
        CheckResult("test_visible_one", "passed"), CheckResult("test_secret_hidden", "failed", "no", False)),
        stdout="out", artifacts={"plot.png": b"\x89PNG"}))
    review.add_talking_point(session, sub, reviewer, "Reviewer-only point about tie-breaking")
    session.commit()
    return meeting, token, reviewer


@pytest.mark.parametrize(("lang", "words"), [("en", ("Acme AB", CONTACT, "24 months", "Download my data")),
                                              ("sv", ("Acme AB", CONTACT, "24 månader", "Ladda ner mina uppgifter"))])
def test_the_notice_names_controller_contact_and_period(client: FlaskClient, factory: Factory, lang: str,
                                                        words: tuple[str, ...]) -> None:
    token = factory.invite(factory.meeting())
    home = client.get(f"/i/{token}", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f"/i/{token}/privacy" in home
    page = text(client.get(f"/i/{token}/privacy", headers={"Accept-Language": lang}))
    for word in words:
        assert word in page


def test_download_my_data_holds_what_the_candidate_may_see(client: FlaskClient, factory: Factory,
                                                          session: Session) -> None:
    meeting, token, _reviewer = _worked(factory, session)
    resp = client.get(f"/i/{token}/privacy/my-data.zip")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    assert zf.read(f"files/{meeting.case_slugs[0]}/solution.py") == b"print('mine')\n"
    raw = zf.read("data.json").decode()
    data = json.loads(raw)
    assert data["candidate"] == {"name": meeting.candidate_name, "email": meeting.candidate_email}
    assert data["submissions"][0]["notes_more_time"] == "needed more time"
    for secret in ("test_secret_hidden", "Reviewer-only point", "plot.png"):
        assert secret not in raw
    assert [(e.action, e.actor_kind) for e in audit.events(session, meeting_id=meeting.id)] == [
        ("export", "candidate")]


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_download_with_a_dead_link_says_where_to_ask(client: FlaskClient, factory: Factory, session: Session,
                                                     how: str) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    inv = session.scalars(select(Invitation).where(Invitation.meeting_id == meeting.id)).one()
    if how == "revoked":
        inv.revoked_at = utcnow()
    else:
        inv.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    resp = client.get(f"/i/{token}/privacy/my-data.zip")
    assert resp.status_code == 410
    assert f"To get a copy of your data, please write to {CONTACT}" in text(resp)


def test_withdrawing_needs_confirmation_then_erases_and_tells_the_manager(
        client: FlaskClient, factory: Factory, session: Session) -> None:
    manager = factory.user(StaffRole.MANAGER)
    meeting = factory.meeting(created_by_id=manager.id, candidate="Wilma Withdrawn")
    token = factory.invite(meeting)
    factory.submission(meeting, {"a.py": b"mine"})
    assert client.post(f"/i/{token}/privacy/withdraw", data={}).status_code == 400
    assert not retention.is_erased(session, meeting.id)
    resp = client.post(f"/i/{token}/privacy/withdraw", data={"confirm": "y"}, headers={"Accept-Language": "sv"})
    assert resp.status_code == 200 and "Dina uppgifter är raderade" in text(resp)
    assert client.get(f"/i/{token}").status_code == 410
    session.expire_all()
    rec = session.get(MeetingRetention, meeting.id)
    assert rec is not None and rec.erased_at is not None and rec.outcome == "withdrew"
    [note] = session.scalars(select(Notification).where(Notification.user_id == manager.id))
    assert f"Candidate #{meeting.id} withdrew" in note.text and "Wilma" not in note.text
    assert [e.action for e in audit.events(session, meeting_id=meeting.id)] == ["erase", "withdraw"]


def test_outcome_page_closes_the_meeting(client: FlaskClient, factory: Factory, session: Session) -> None:
    meeting = factory.meeting()
    login(client, factory.user(StaffRole.REVIEWER))
    assert client.get(f"/meetings/{meeting.id}/outcome").status_code == 403
    manager = factory.user(StaffRole.MANAGER)
    login(client, manager)
    assert client.post(f"/meetings/{meeting.id}/outcome", data={"outcome": "bogus"}).status_code == 200
    resp = client.post(f"/meetings/{meeting.id}/outcome", data={"outcome": "no_show"})
    assert resp.status_code == 302
    page = text(client.get(resp.location))
    assert "Did not attend" in page and "will be erased on" in page and "Export" not in page  # export: admins only
    assert [(e.action, e.actor_id) for e in audit.events(session, meeting_id=meeting.id)] == [("close", manager.id)]


def test_erasures_due_and_postponing(client: FlaskClient, factory: Factory, session: Session) -> None:
    manager = factory.user(StaffRole.MANAGER)
    meeting = factory.meeting(candidate="Petra Postpone")
    retention.close_meeting(session, meeting, "not_continuing", manager,
                            now=retention.add_months(utcnow(), -24) + timedelta(days=3))
    session.commit()
    login(client, manager)
    assert f"#{meeting.id}" in text(client.get("/retention"))
    until = (utcnow() + timedelta(days=90)).date().isoformat()
    form = {f"m{meeting.id}-until": until, f"m{meeting.id}-reason": "Petra Postpone complained"}
    resp = client.post(f"/meetings/{meeting.id}/retention/postpone", data=form)
    assert resp.status_code == 400 and "leave the candidate's name" in text(resp)
    form[f"m{meeting.id}-reason"] = "Discrimination claim pending"
    assert client.post(f"/meetings/{meeting.id}/retention/postpone", data=form).status_code == 302
    assert f"#{meeting.id}" not in text(client.get("/retention"))
    [event] = audit.events(session, meeting_id=meeting.id, actor_id=manager.id)[:1]
    assert event.action == "postpone" and "Discrimination claim pending" in event.detail


def test_staff_views_are_logged_and_only_admins_read_the_log(client: FlaskClient, factory: Factory,
                                                             session: Session) -> None:
    meeting, token, reviewer = _worked(factory, session)
    sub = session.scalars(select(Submission).where(Submission.meeting_id == meeting.id)).one()
    sub_id, file_id = sub.id, sub.files[0].id
    run = review.latest_full_run(session, sub)
    assert run is not None
    login(client, reviewer)
    for url in (f"/review/submissions/{sub_id}", f"/meetings/{meeting.id}/brief",
                f"/review/submissions/{sub_id}/files/{file_id}/raw",
                f"/review/runs/{run.id}/artifacts/{run.artifacts[0].id}"):
        assert client.get(url).status_code == 200, url
    client.get(f"/i/{token}/privacy")  # the candidate's own pages are not staff access
    logged = [(e.action, e.object_type, e.meeting_id, e.actor_id) for e in reversed(audit.events(session))]
    assert logged == [("view", "submission", meeting.id, reviewer.id), ("view", "brief", meeting.id, reviewer.id),
                      ("download", "submission", meeting.id, reviewer.id), ("download", "run", meeting.id, reviewer.id)]
    assert client.get("/audit").status_code == 403
    login(client, factory.user(StaffRole.MANAGER))
    assert client.get("/audit").status_code == 403
    login(client, factory.user(StaffRole.ADMIN))
    page = text(client.get(f"/audit?meeting={meeting.id}&actor={reviewer.id}"))
    assert page.count("submission #") == 2 and "run #" in page
    assert "submission #" not in text(client.get(f"/audit?meeting={meeting.id + 1}"))


def test_admin_exports_and_erases_one_candidate(client: FlaskClient, factory: Factory, session: Session) -> None:
    meeting, _token, _reviewer = _worked(factory, session)
    admin = factory.user(StaffRole.ADMIN)
    login(client, admin)
    resp = client.post(f"/meetings/{meeting.id}/data/export")
    assert resp.status_code == 200 and "data.json" in zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert client.post(f"/meetings/{meeting.id}/data/erase", data={}).status_code == 400  # not confirmed
    assert client.post(f"/meetings/{meeting.id}/data/erase", data={"confirm": "y"}).status_code == 302
    again = client.post(f"/meetings/{meeting.id}/data/erase", data={"confirm": "y"}, follow_redirects=True)
    assert "already been erased" in text(again)
    export = client.post(f"/meetings/{meeting.id}/data/export", follow_redirects=True)
    assert "nothing left to export" in text(export)
    actions = [e.action for e in audit.events(session, meeting_id=meeting.id, actor_id=admin.id)]
    assert actions.count("erase") == 1 and actions.count("export") == 1
