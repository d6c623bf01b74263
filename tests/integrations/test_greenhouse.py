"""The Greenhouse Assessment Partner contract, spoken by a fake Greenhouse: it lists tests, sends one, polls the
status, and receives caseportal's bodyless PATCH on hand-in and on review at a real HTTP server."""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.models import Invitation, Meeting, PartnerConnection, PartnerLink, StaffRole
from caseportal.services import partners, review, submissions
from tests.conftest import Factory, login
from tests.integrations.conftest import BASE_URL, Mailbox, Receiver, drain


class FakeGreenhouse:
    """Greenhouse's side of the contract: Basic auth with the key as user name and an empty password."""

    def __init__(self, client: FlaskClient, key: str, receiver: Receiver) -> None:
        self.client, self.key, self.receiver = client, key, receiver
        token = base64.b64encode(f"{key}:".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def list_tests(self) -> Any:
        return self.client.get("/partners/greenhouse/list_tests", headers=self.headers)

    def send_test(self, test_id: str, application: int = 1, **candidate: str) -> Any:
        body = {"partner_test_id": test_id, "url": f"{self.receiver.url}/take_home_tests/{application}",
                "candidate": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org",
                              "greenhouse_profile_url": "https://app.greenhouse.io/people/1", **candidate}}
        return self.client.post("/partners/greenhouse/send_test", json=body, headers=self.headers)

    def test_status(self, interview_id: str) -> Any:
        return self.client.get("/partners/greenhouse/test_status",
                               query_string={"partner_interview_id": interview_id}, headers=self.headers)


def _connect(client: FlaskClient, factory: Factory) -> tuple[str, list[str]]:
    """An admin connects Greenhouse on the page; returns the key it shows once and the offered cases."""
    login(client, factory.user(StaffRole.ADMIN))
    role = factory.job_role()
    slugs = factory.case_slugs(2)
    resp = client.post("/settings/partners", data={"ats": "greenhouse", "name": "Acme", "job_role_id": role.id,
                                                   "cases": slugs})
    page = resp.get_data(as_text=True)
    assert 'id="partner-key"' in page, page[:2000]
    key = page.split('id="partner-key">', 1)[1].split("<", 1)[0]
    assert key not in client.get("/settings/partners").get_data(as_text=True)
    client.post("/logout")
    return key, slugs


def test_the_whole_contract(app: Flask, client: FlaskClient, session: Session, factory: Factory,
                            receiver: Receiver, mailbox: tuple[int, Mailbox]) -> None:
    key, slugs = _connect(client, factory)
    gh = FakeGreenhouse(client, key, receiver)
    tests = gh.list_tests().get_json()
    assert {t["partner_test_id"] for t in tests} == set(slugs) and all(t["partner_test_name"] for t in tests)

    resp = gh.send_test(slugs[0])
    assert resp.status_code == 200, resp.data
    interview = resp.get_json()["partner_interview_id"]
    meeting = session.scalars(select(Meeting)).one()
    assert meeting.candidate_email == "ada@example.org" and meeting.case_slugs == [slugs[0]]
    assert mailbox[1].recipients == ["ada@example.org"], "the candidate got the invitation"

    status = gh.test_status(interview).get_json()
    assert status["partner_status"] != "complete"
    assert status["partner_profile_url"] == f"{BASE_URL}/meetings/{meeting.id}"
    assert all(isinstance(v, str) for v in status["metadata"].values()), "metadata is flat"

    sub = factory.submission(meeting, {"main.py": b"x = 1\n"}, submitted=False)
    submissions.submit(session, sub, "", "")
    session.commit()
    drain(app)
    [patch] = receiver.requests
    assert patch.method == "PATCH" and patch.path == "/take_home_tests/1" and patch.body == b""
    status = gh.test_status(interview).get_json()
    assert status["partner_status"] == "complete" and status["metadata"]["Reviewed"] == "no"
    assert "Handed in" in status["metadata"]

    review.mark_reviewed(session, sub, factory.user(StaffRole.REVIEWER))
    session.commit()
    drain(app)
    assert [r.method for r in receiver.requests] == ["PATCH", "PATCH"]
    assert gh.test_status(interview).get_json()["metadata"]["Reviewed"] == "yes"


@pytest.mark.parametrize("db_backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_a_repeated_send_test_creates_nothing(app: Flask, client: FlaskClient, session: Session, factory: Factory,
                                              receiver: Receiver, mailbox: tuple[int, Mailbox]) -> None:
    key, slugs = _connect(client, factory)
    gh = FakeGreenhouse(client, key, receiver)
    first = gh.send_test(slugs[0]).get_json()
    again = gh.send_test(slugs[0]).get_json()
    assert first == again
    assert session.scalar(select(func.count()).select_from(Meeting)) == 1
    assert session.scalar(select(func.count()).select_from(Invitation)) == 1
    assert len(mailbox[1].recipients) == 1
    other = gh.send_test(slugs[0], application=2).get_json()
    assert other["partner_interview_id"] != first["partner_interview_id"], "another application is another test"


def test_the_database_refuses_a_second_link_for_one_ats_id(app: Flask, session: Session, factory: Factory) -> None:
    """What makes two racing requests safe: the unique constraint, not the look-up before the insert."""
    role = factory.job_role()
    slug = factory.case_slugs(1)[0]
    conn = partners.create_connection(session, app.extensions["caseportal.casebook"], "greenhouse", "x", role.id,
                                      [slug]).connection
    meeting = factory.meeting()
    session.add(PartnerLink(connection_id=conn.id, external_id="same", public_id="a", meeting_id=meeting.id,
                            case_slug=slug))
    session.commit()
    session.add(PartnerLink(connection_id=conn.id, external_id="same", public_id="b", meeting_id=meeting.id,
                            case_slug=slug))
    with pytest.raises(Exception, match="(?i)unique"):
        session.commit()
    session.rollback()


def test_errors_in_the_documented_shape(app: Flask, client: FlaskClient, session: Session, factory: Factory,
                                        receiver: Receiver) -> None:
    key, slugs = _connect(client, factory)
    gh = FakeGreenhouse(client, key, receiver)
    resp = gh.send_test("no-such-case")
    assert resp.status_code == 404 and "no-such-case" in resp.get_json()["error"]
    resp = gh.send_test(slugs[0], email="not-an-address")
    assert resp.status_code == 422 and "email" in resp.get_json()["error"]
    assert gh.test_status("unknown").status_code == 404
    resp = client.post("/partners/greenhouse/send_test", headers=gh.headers, json={
        "partner_test_id": slugs[0], "url": "http://169.254.169.254/latest", "candidate": {"email": "a@b.org"}})
    assert resp.status_code == 422 and "url" in resp.get_json()["error"], "callbacks only to the ATS's hosts"
    wrong = FakeGreenhouse(client, "cp_gr_wrong", receiver)
    resp = wrong.list_tests()
    assert resp.status_code == 401 and resp.get_json() == {"error": "invalid API key"}
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
    assert client.post("/partners/greenhouse/response_error", json={"partner_interview_id": "x", "error": "bad"},
                       headers=gh.headers).status_code == 200
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0, "no error created anything"


def test_a_revoked_connection_is_refused(app: Flask, client: FlaskClient, session: Session, factory: Factory,
                                         receiver: Receiver) -> None:
    key, slugs = _connect(client, factory)
    conn = partners.authenticate(session, "greenhouse", key)
    assert conn is not None
    login(client, factory.user(StaffRole.ADMIN))
    assert client.post("/settings/partners/revoke", data={"item_id": conn.id}).status_code == 302
    assert FakeGreenhouse(client, key, receiver).list_tests().status_code == 401


@pytest.mark.parametrize("db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_two_racing_requests_create_one_meeting(app: Flask, session: Session, factory: Factory,
                                                mailbox: tuple[int, Mailbox]) -> None:
    """The second request waits on the unique index while the first is uncommitted, then finds the first's link."""
    settings, library = app.extensions["caseportal.settings"], app.extensions["caseportal.casebook"]
    slug = factory.case_slugs(1)[0]
    conn_id = partners.create_connection(session, library, "greenhouse", "x", factory.job_role().id,
                                         [slug]).connection.id
    session.commit()
    engine = app.extensions["caseportal.db"].engine
    who = partners.Candidate("Ada", "Lovelace", "ada@example.org")

    def send(s: Session) -> tuple[str, bool]:
        conn = s.get(PartnerConnection, conn_id)
        assert conn is not None
        link, created = partners.open_test(s, settings, library, conn, "application-7", slug, who,
                                           "http://127.0.0.1/7")
        return link.public_id, created

    second: dict[str, tuple[str, bool]] = {}

    def racer() -> None:
        with Session(engine, expire_on_commit=False) as s:
            second["result"] = send(s)
            s.commit()

    with Session(engine, expire_on_commit=False) as first:
        first_id, first_created = send(first)
        thread = threading.Thread(target=racer)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second request waits for the first to commit"
        first.commit()
    thread.join(timeout=10)
    assert first_created and second["result"] == (first_id, False)
    assert session.scalar(select(func.count()).select_from(Meeting)) == 1
