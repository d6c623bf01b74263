"""What happened, told to the outside: ``emit`` writes one outbox row per subscribed webhook endpoint (and asks
an ATS that sent the meeting waits for this news), in the caller's transaction.

The emitting services add one call each and know nothing else; the rows are sent by the queue after the commit
(``caseportal.webhook_jobs``), so a rolled-back change never leaves a notification behind.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.models import CaseWork, PartnerLink, Run, Submission, WebhookDelivery, WebhookEndpoint, utcnow

#: Event name -> what an admin reads when choosing the events of an endpoint.
EVENTS = ("invitation.opened", "case.started", "case.handed_in", "run.finished", "submission.reviewed",
          "meeting.closed")

#: Events an ATS hears about (through its own callback, built by ``partners.callback`` when sent).
PARTNER_EVENTS = ("case.handed_in", "submission.reviewed")

#: Deliveries written in a transaction and not yet committed; the queue hook reads them after the commit.
PENDING_KEY = "caseportal.outbox"


def _resolve(session: Session, ids: dict[str, int | None]) -> dict[str, int]:
    """Fill in the meeting (and submission) from the most specific id given, so callers pass what they hold."""
    if ids.get("run_id") and not ids.get("submission_id"):
        run = session.get(Run, ids["run_id"])
        ids["submission_id"] = run.submission_id if run else None
    if ids.get("submission_id") and not ids.get("meeting_id"):
        sub = session.get(Submission, ids["submission_id"])
        ids["meeting_id"] = sub.meeting_id if sub else None
    return {k: v for k, v in ids.items() if v is not None}


def _is_warm_up(session: Session, ids: dict[str, int]) -> bool:
    """Whether the event is about a warm-up (a practice submission or one of its runs)."""
    return "submission_id" in ids and bool(
        session.scalar(select(CaseWork.practice).where(CaseWork.id == ids["submission_id"])))


def links_for(ids: dict[str, int]) -> dict[str, str]:
    """Staff links (paths; the sender puts the instance's base URL in front)."""
    links = {}
    if "meeting_id" in ids:
        links["meeting"] = f"/meetings/{ids['meeting_id']}"
    if "submission_id" in ids:
        links["submission"] = f"/review/submissions/{ids['submission_id']}"
    return links


def remember(session: Session, delivery: WebhookDelivery) -> None:
    """Note a new outbox row so the after-commit hook puts it on the queue at once."""
    session.add(delivery)
    session.info.setdefault(PENDING_KEY, []).append(delivery)


def emit(session: Session | None, event: str, *, meeting_id: int | None = None, submission_id: int | None = None,
         run_id: int | None = None, invitation_id: int | None = None, **extra: Any) -> None:
    """Record ``event`` for every active endpoint that subscribed to it, and for the ATS that sent the meeting
    (its message is built from the meeting's state when it is sent).

    Payloads carry ids and links only: no names, e-mail addresses or code.
    """
    if session is None:
        return
    assert event in EVENTS, event
    ids = _resolve(session, {"meeting_id": meeting_id, "submission_id": submission_id, "run_id": run_id,
                             "invitation_id": invitation_id})
    if _is_warm_up(session, ids):
        return  # the candidate's warm-up is nobody's news: no webhook, no partner status (services/practice.py)
    event_id = uuid.uuid4().hex
    data: dict[str, Any] = {**ids, **extra, "links": links_for(ids)}
    body = json.dumps({"id": event_id, "type": event, "created_at": utcnow().isoformat(), "data": data},
                      sort_keys=True)
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))).all()
    for endpoint in endpoints:
        if event in endpoint.event_list:
            remember(session, WebhookDelivery(kind="webhook", endpoint_id=endpoint.id, event=event,
                                              event_id=event_id, payload=body))
    if "meeting_id" in ids and event in PARTNER_EVENTS:
        for link in session.scalars(select(PartnerLink).where(PartnerLink.meeting_id == ids["meeting_id"])):
            remember(session, WebhookDelivery(kind=link.connection.ats, link_id=link.id, event=event,
                                              event_id=event_id))
