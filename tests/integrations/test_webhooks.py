"""Signed webhooks against a real HTTP receiver: signature, what the payload holds, a retry after a 500, a
receiver that is down (retries, then failed and shown to admins, nothing lost), replay, and each event's source."""

from __future__ import annotations

import json
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.models import StaffRole, Submission, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from caseportal.services import invitations, retention, review, submissions, webhooks
from caseportal.services.events import EVENTS
from sandbox.spec import CheckResult, Outcome, RunResult
from tests.conftest import Factory, login
from tests.integrations.conftest import BASE_URL, Receiver, drain, sweep_and_drain


def _register(client: FlaskClient, factory: Factory, url: str, events: list[str] | None = None) -> str:
    """Through the admin page, as an admin would; returns the secret the page shows once."""
    login(client, factory.user(StaffRole.ADMIN))
    resp = client.post("/settings/webhooks", data={"url": url, "events": events or list(EVENTS),
                                                   "description": "ATS bridge"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="webhook-secret"' in page, page[:2000]
    secret = page.split('id="webhook-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("whsec_")
    assert secret not in client.get("/settings/webhooks").get_data(as_text=True), "the secret is shown only once"
    return secret


def _hand_in(session: Session, factory: Factory) -> Submission:
    meeting = factory.meeting(candidate="Grace Hopper")
    sub = factory.submission(meeting, {"main.py": b"print(1)\n"}, submitted=False)
    submissions.submit(session, sub, "", "")
    session.commit()
    return sub


def test_a_hand_in_reaches_the_receiver_signed_through_the_queue(app: Flask, client: FlaskClient, session: Session,
                                                                  factory: Factory, receiver: Receiver) -> None:
    secret = _register(client, factory, receiver.url + "/hooks")
    sub = _hand_in(session, factory)
    assert receiver.requests == [], "nothing is sent inside the request: the queue sends it"
    assert drain(app) == 1
    [req] = receiver.requests
    assert req.method == "POST" and req.path == "/hooks"
    header = req.headers["Caseportal-Signature"]
    assert webhooks.verify(secret, header, req.body)
    assert not webhooks.verify(secret, header, req.body.replace(b"case.handed_in", b"case.started"))
    assert not webhooks.verify("whsec_other", header, req.body)
    ts = int(header.split(",")[0][2:])
    assert not webhooks.verify(secret, header, req.body, now=ts + 3600), "an old signature is refused"
    doc = json.loads(req.body)
    assert doc["type"] == "case.handed_in" and req.headers["Caseportal-Delivery"] == doc["id"]
    assert doc["data"]["submission_id"] == sub.id and doc["data"]["meeting_id"] == sub.meeting_id
    assert doc["data"]["links"]["meeting"] == f"{BASE_URL}/meetings/{sub.meeting_id}"
    assert b"Grace" not in req.body and b"@example.org" not in req.body, "no personal data in the payload"
    delivery = session.scalars(select(WebhookDelivery)).one()
    session.refresh(delivery)
    assert delivery.status == "delivered" and [a.status_code for a in delivery.attempt_log] == [200]

    endpoint = session.scalars(select(WebhookEndpoint)).one()
    assert client.post("/settings/webhooks/remove", data={"item_id": endpoint.id}).status_code == 302
    _hand_in(session, factory)
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0, "removed with its log"


def test_a_500_is_retried_after_the_back_off_with_the_same_event(app: Flask, client: FlaskClient, session: Session,
                                                                  factory: Factory, receiver: Receiver) -> None:
    secret = _register(client, factory, receiver.url, ["case.handed_in"])
    receiver.script = [500]
    _hand_in(session, factory)
    drain(app)
    assert len(receiver.requests) == 1
    assert sweep_and_drain(app) == 0, "not due before the back-off"
    time.sleep(0.1)
    assert sweep_and_drain(app) == 1
    first, second = receiver.requests
    assert first.body == second.body and webhooks.verify(secret, second.headers["Caseportal-Signature"], second.body)
    delivery = session.scalars(select(WebhookDelivery)).one()
    session.refresh(delivery)
    log = delivery.attempt_log
    assert delivery.status == "delivered" and [a.status_code for a in log] == [500, 200]
    assert log[0].response.startswith("receiver says no") and len(log[0].response) == webhooks.RESPONSE_CAP


def test_a_receiver_that_is_down_fails_visibly_and_a_replay_delivers(app: Flask, client: FlaskClient,
                                                                     session: Session, factory: Factory,
                                                                     receiver: Receiver) -> None:
    port = int(receiver.url.rsplit(":", 1)[1])
    receiver.stop()  # the receiver is down: connections are refused
    _register(client, factory, receiver.url, ["case.handed_in"])
    _hand_in(session, factory)
    drain(app)
    for _ in range(20):
        time.sleep(0.12)
        sweep_and_drain(app)
    delivery = session.scalars(select(WebhookDelivery)).one()
    session.refresh(delivery)
    assert delivery.status == "failed" and delivery.attempts == 3, "three attempts, then it gives up"
    assert all(a.status_code is None and "Connection refused" in a.error for a in delivery.attempt_log)
    page = client.get("/settings/webhooks").get_data(as_text=True)
    assert 'id="failed-deliveries"' in page and f'value="{delivery.id}"' in page
    detail = client.get(f"/settings/webhooks?delivery={delivery.id}").get_data(as_text=True)
    assert detail.count("Connection refused") >= 3, "each attempt's answer is shown"
    receiver.start(port)  # back up
    resp = client.post("/settings/webhooks/replay", data={"item_id": delivery.id})
    assert resp.status_code == 302
    assert drain(app) == 1 and len(receiver.requests) == 1
    session.refresh(delivery)
    assert delivery.status == "delivered" and len(delivery.attempt_log) == 4, "the earlier attempts stay logged"
    assert json.loads(receiver.requests[0].body)["id"] == delivery.event_id


def test_each_service_emits_its_event(app: Flask, session: Session, factory: Factory) -> None:
    session.add(WebhookEndpoint(url="http://127.0.0.1:9/", events=" ".join(EVENTS), secret="s"))
    session.commit()
    meeting = factory.meeting()
    factory.invite(meeting)
    inv = meeting.invitations[-1]
    assert invitations.mark_opened(inv)
    assert not invitations.mark_opened(inv), "only the first visit is an event"
    case = app.extensions["caseportal.casebook"].get(meeting.case_slugs[0])
    sub = submissions.start(session, meeting, case)
    submissions.submit(session, sub, "", "")
    session.commit()
    factory.run(sub, RunResult(outcome=Outcome.passed, checks=(CheckResult(name="a", status="passed"),
                                                               CheckResult(name="b", status="failed"))))
    review.mark_reviewed(session, sub, factory.user(StaffRole.REVIEWER))
    retention.close_meeting(session, meeting, "offer", factory.user(StaffRole.MANAGER))
    session.commit()
    got = list(session.scalars(select(WebhookDelivery.event).order_by(WebhookDelivery.id)))
    assert got == ["invitation.opened", "case.started", "case.handed_in", "run.finished", "submission.reviewed",
                   "meeting.closed"]


def test_a_rolled_back_change_leaves_no_delivery(app: Flask, session: Session, factory: Factory) -> None:
    session.add(WebhookEndpoint(url="http://127.0.0.1:9/", events="meeting.closed", secret="s"))
    session.commit()
    meeting = factory.meeting()
    retention.close_meeting(session, meeting, "offer", None)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert drain(app) == 0
    assert session.scalar(select(func.count()).select_from(WebhookAttempt)) == 0
