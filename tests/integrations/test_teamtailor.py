"""The Teamtailor partner contract, spoken by a fake Teamtailor: config and activation, the trigger's webhook,
and the partner result updates caseportal sends to the update-url (a real HTTP server that records them)."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.models import Meeting, StaffRole
from caseportal.services import partners, review, submissions
from tests.conftest import Factory
from tests.integrations.conftest import BASE_URL, TEAMTAILOR_PARTNER_KEY, Mailbox, Receiver, drain


class FakeTeamtailor:
    """Teamtailor's side: Bearer provider key; the webhook body as in the partner documentation."""

    def __init__(self, client: FlaskClient, key: str, receiver: Receiver) -> None:
        self.client, self.receiver = client, receiver
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, what: str) -> Any:
        return self.client.get(f"/partners/teamtailor/{what}", headers=self.headers)

    def trigger(self, test: str | None, result_id: str = "1a6d5a41", email: str = "juston@example.org") -> Any:
        event: dict[str, Any] = {
            "id": f"event-{result_id}",
            "webhook-data": {"test": test} if test is not None else {},
            "partner-result": {"id": result_id, "status": "sending",
                               "update-url": f"{self.receiver.url}/partner/v1/partner-results/{result_id}"},
            "candidate": {"id": 54321, "first-name": "Juston", "last-name": "Becker", "email": email,
                          "job": {"id": 12345, "title": "Full-stack web developer", "stage": "Case"}},
        }
        return self.client.post("/partners/teamtailor/webhook", json={"partner-event": event},
                                headers=self.headers)


def _connect(app: Flask, session: Session, factory: Factory, n: int = 2) -> tuple[str, list[str]]:
    role = factory.job_role()
    slugs = factory.case_slugs(n)
    new = partners.create_connection(session, app.extensions["caseportal.casebook"], "teamtailor", "Acme", role.id,
                                     slugs)
    session.commit()
    return new.key, slugs


def _updates(receiver: Receiver) -> list[dict[str, Any]]:
    out = []
    for r in receiver.requests:
        assert r.method == "PATCH" and r.path == "/partner/v1/partner-results/1a6d5a41"
        assert r.headers["Authorization"] == f"Token token={TEAMTAILOR_PARTNER_KEY}"
        assert r.headers["Content-Type"] == "application/vnd.api+json"
        doc = json.loads(r.body)
        assert doc["data"]["type"] == "partner-results" and doc["data"]["id"] == "1a6d5a41"
        out.append(doc["data"]["attributes"])
    return out


def test_the_whole_contract(app: Flask, client: FlaskClient, session: Session, factory: Factory,
                            receiver: Receiver, mailbox: tuple[int, Mailbox]) -> None:
    key, slugs = _connect(app, session, factory)
    tt = FakeTeamtailor(client, key, receiver)
    config = tt.get("config").get_json()
    assert {o["value"] for o in config["fields"][0]["options"]} == set(slugs)
    assert tt.get("activation").status_code == 200

    resp = tt.trigger(slugs[1])
    assert resp.status_code == 201, resp.data
    meeting = session.scalars(select(Meeting)).one()
    assert meeting.case_slugs == [slugs[1]] and meeting.candidate_name == "Juston Becker"
    assert mailbox[1].recipients == ["juston@example.org"]
    drain(app)
    assert _updates(receiver) == [{"status": "sent"}]

    sub = factory.submission(meeting, {"main.py": b"x = 1\n"}, case=slugs[1], submitted=False)
    submissions.submit(session, sub, "", "")
    session.commit()
    drain(app)
    done = _updates(receiver)[1]
    assert done["status"] == "completed" and done["url"] == f"{BASE_URL}/meetings/{meeting.id}"
    assert "pending" in done["summary"] and "score" not in done, "no score without a full run"

    review.mark_reviewed(session, sub, factory.user(StaffRole.REVIEWER))
    session.commit()
    drain(app)
    assert "reviewed" in _updates(receiver)[2]["summary"]


def test_a_repeated_webhook_creates_nothing(app: Flask, client: FlaskClient, session: Session, factory: Factory,
                                            receiver: Receiver, mailbox: tuple[int, Mailbox]) -> None:
    key, slugs = _connect(app, session, factory)
    tt = FakeTeamtailor(client, key, receiver)
    first = tt.trigger(slugs[0])
    again = tt.trigger(slugs[0])
    assert (first.status_code, again.status_code) == (201, 200) and first.get_json() == again.get_json()
    assert session.scalar(select(func.count()).select_from(Meeting)) == 1
    assert len(mailbox[1].recipients) == 1
    drain(app)
    assert len(receiver.requests) == 1, "one 'sent' update, not two"


def test_errors_in_the_documented_shape(app: Flask, client: FlaskClient, session: Session, factory: Factory,
                                        receiver: Receiver) -> None:
    key, slugs = _connect(app, session, factory)
    tt = FakeTeamtailor(client, key, receiver)
    resp = tt.trigger("no-such-case")
    error = resp.get_json()["errors"][0]
    assert resp.status_code == 422 and error["source"]["pointer"] == "/partner-event/webhook-data/test"
    resp = tt.trigger(None)
    assert resp.status_code == 422, "with two cases on offer the trigger must name one"
    resp = tt.trigger(slugs[0], email="nobody")
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["source"]["pointer"].endswith("/email")
    tt.receiver = Receiver(url="http://10.0.0.1:8080")  # not an allowed callback host
    resp = tt.trigger(slugs[0])
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["source"]["pointer"] == "/partner-event/partner-result/update-url"
    resp = client.post("/partners/teamtailor/webhook", data="not json", headers=tt.headers)
    assert resp.status_code == 400 and resp.get_json()["errors"][0]["status"] == "400"
    for headers in ({"Authorization": "Bearer wrong"}, {}):
        resp = client.get("/partners/teamtailor/config", headers=headers)
        assert resp.status_code == 401 and resp.get_json()["errors"][0]["status"] == "401"
    gh_key = partners.create_connection(session, app.extensions["caseportal.casebook"], "greenhouse", "g",
                                        factory.job_role().id, slugs).key
    session.commit()
    assert FakeTeamtailor(client, gh_key, receiver).get("config").status_code == 401, "a key works for its ATS only"
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_one_offered_case_needs_no_choice(app: Flask, client: FlaskClient, session: Session, factory: Factory,
                                          receiver: Receiver) -> None:
    key, slugs = _connect(app, session, factory, n=1)
    assert FakeTeamtailor(client, key, receiver).trigger(None).status_code == 201
    assert session.scalars(select(Meeting)).one().case_slugs == slugs
