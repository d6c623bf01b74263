"""Webhook and ATS deliveries on the queue: one task sends one attempt, a periodic sweep (every minute) queues
what is due: retries after their back-off, and anything that never reached the queue.

Rows are written by ``services.events`` in the transaction of the change; an after-commit hook puts them on the
queue at once; the sweep covers a web process killed between commit and enqueue and a queue that was down.
Sending happens outside any transaction: claim (conditional UPDATE), send, then log the attempt.
"""

from __future__ import annotations

import logging
import time
import weakref
from typing import TYPE_CHECKING

from huey import crontab
from sqlalchemy import URL, event, make_url
from sqlalchemy.orm import Session

from .config import Settings
from .db import Database
from .models import WebhookDelivery
from .services import webhooks
from .services.events import PENDING_KEY

if TYPE_CHECKING:
    from .jobs import Queue

log = logging.getLogger("caseportal.webhooks")

DELIVER_TASK = "caseportal.deliver_webhook"
SWEEP_TASK = "caseportal.sweep_webhooks"

#: Database URL -> the queue that sends its deliveries (the latest registered wins; tests build many).
_queues: dict[str, weakref.ReferenceType[Queue]] = {}


def _key(url: str | URL) -> str:
    return make_url(url).render_as_string(hide_password=True)


def deliver(settings: Settings, database: Database, delivery_id: int) -> webhooks.Outcome:
    """One attempt of one delivery. A retry is not scheduled on the queue (a job waiting for hours would keep
    it from ever looking idle): the row's next_attempt_at holds the back-off and the sweep sends it when due."""
    with database.begin() as s:
        if not webhooks.claim(s, delivery_id):
            return "skip"
        delivery = s.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        req = webhooks.build_request(s, settings, delivery)
    if req is None:
        code, answer, error, ms = None, "", "the endpoint or ATS link no longer exists", 0
    else:
        started = time.monotonic()
        code, answer, error = webhooks.http_send(req, settings.webhook_timeout_seconds)
        ms = int((time.monotonic() - started) * 1000)
    with database.begin() as s:
        delivery = s.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        outcome = webhooks.record(s, settings, delivery, code, answer, error, ms)
    if outcome != "delivered":
        log.warning("webhook delivery %s: %s (%s %s)", delivery_id, outcome, code, error)
    return outcome


def _after_commit(session: Session) -> None:
    """Put the deliveries just committed on the queue; a failure here only delays them until the sweep."""
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    ref = _queues.get(_key(session.get_bind().engine.url))
    queue = ref() if ref is not None else None
    if queue is None:
        return
    for delivery in pending:
        try:
            queue._webhook_task(delivery.id)
        except Exception:  # noqa: BLE001 - the queue being down must not fail a committed request
            log.exception("could not enqueue webhook delivery %s; the sweep will send it", delivery.id)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", lambda session, _tx: _after_rollback(session))


def register(q: Queue) -> None:
    """Add the delivery task and the sweep to a queue's Huey instance, and route its database's commits here."""

    def _deliver(delivery_id: int) -> None:
        deliver(q.settings, q.db(), delivery_id)

    def _sweep() -> None:
        sweep(q)

    q._webhook_task = q.huey.task(name=DELIVER_TASK)(_deliver)
    q.huey.periodic_task(crontab(minute="*"), name=SWEEP_TASK)(_sweep)
    _queues[_key(q.settings.database_url)] = weakref.ref(q)


def sweep(q: Queue) -> list[int]:
    """Queue every due delivery (the claim keeps a delivery queued twice from being sent twice)."""
    with q.db().begin() as s:
        ids = webhooks.due_ids(s)
    for delivery_id in ids:
        q._webhook_task(delivery_id)
    return ids
