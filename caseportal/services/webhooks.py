"""Webhook endpoints and the outbox: register, sign, send one attempt, back off, give up, replay.

Signing follows the common recipe (Stripe, Standard Webhooks): HMAC-SHA256 with the endpoint's secret over
``"<timestamp>.<body>"``, sent as ``Caseportal-Signature: t=<timestamp>,v1=<hex>``; the receiver recomputes it and
rejects old timestamps, so a captured request cannot be replayed later by someone else. An attempt is claimed by
a conditional UPDATE before it is sent, so the retry task and the periodic sweep never send the same attempt twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from caseportal.config import Settings
from caseportal.i18n import gettext as _
from caseportal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, utcnow

from . import partners
from .errors import Invalid, NotFound
from .events import EVENTS, remember

SIGNATURE_HEADER = "Caseportal-Signature"
#: How long a claimed attempt is reserved (longer than any HTTP timeout), so a crashed sender's is retried.
CLAIM_SECONDS = 120
RESPONSE_CAP = 1000
MAX_BACKOFF_SECONDS = 6 * 3600

Outcome = Literal["delivered", "retry", "failed", "skip"]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (seconds since the epoch)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: float | None = None, tolerance_s: int = 300) -> bool:
    """The receiver's side of :func:`sign` (used by the tests and shown in docs/api.md)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), f"t={ts},v1={parts.get('v1', '')}")


# --------------------------------------------------------------------------- endpoints


def create_endpoint(session: Session, url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    """Register a receiver; its secret is returned on the object once and never shown again by the pages."""
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise Invalid(_("Enter the receiver's full address, starting with https://."))
    chosen = [e for e in EVENTS if e in events]
    if not chosen:
        raise Invalid(_("Choose at least one event."))
    endpoint = WebhookEndpoint(url=url, events=" ".join(chosen), description=description.strip()[:200],
                               secret="whsec_" + secrets.token_urlsafe(32))
    session.add(endpoint)
    session.flush()
    return endpoint


def remove_endpoint(session: Session, endpoint_id: int) -> None:
    """Stop sending to an endpoint; its log stays until the rows are deleted with it."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(_("This webhook does not exist."))
    session.delete(endpoint)
    session.flush()


def endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def recent(session: Session, status: str | None = None, limit: int = 30) -> list[WebhookDelivery]:
    q = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if status:
        q = q.where(WebhookDelivery.status == status)
    return list(session.scalars(q))


def replay(session: Session, delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """Send a delivery again (failed or delivered): a fresh round of attempts, the same event id (receivers
    deduplicate on it), the earlier attempts kept in the log."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(_("This delivery does not exist."))
    delivery.status, delivery.attempts, delivery.finished_at = "pending", 0, None
    delivery.next_attempt_at = now or utcnow()
    remember(session, delivery)
    session.flush()
    return delivery


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: bytes
    headers: dict[str, str]


def _absolute(settings: Settings, payload: str) -> bytes:
    """The stored body with the staff links made absolute for this instance."""
    if not payload:
        return b""
    doc = json.loads(payload)
    links = doc.get("data", {}).get("links")
    if isinstance(links, dict):
        base = settings.base_url.rstrip("/")
        doc["data"]["links"] = {k: base + v if v.startswith("/") else v for k, v in links.items()}
    return json.dumps(doc, sort_keys=True).encode()


def build_request(session: Session, settings: Settings, delivery: WebhookDelivery,
                  now: float | None = None) -> Request | None:
    """What to send for a delivery, or None when its target is gone."""
    if delivery.kind == "webhook":
        endpoint = delivery.endpoint
        if endpoint is None:
            return None
        body = _absolute(settings, delivery.payload)
        ts = int(now or time.time())
        return Request("POST", endpoint.url, body, {
            "Content-Type": "application/json", "User-Agent": "caseportal-webhooks",
            "Caseportal-Event": delivery.event, "Caseportal-Delivery": delivery.event_id,
            SIGNATURE_HEADER: sign(endpoint.secret, ts, body)})
    link = delivery.link
    if link is None:
        return None
    method, headers, body = partners.callback(settings, delivery, link, session)
    return Request(method, link.callback_url, body, headers)


def http_send(req: Request, timeout_s: float) -> tuple[int | None, str, str]:
    """One HTTP request: (status, the answer's first bytes, network error). No redirects are followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(req.url, data=req.body, headers=req.headers, method=req.method)
    try:
        with opener.open(request, timeout=timeout_s) as resp:
            return int(resp.status), resp.read(RESPONSE_CAP).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as err:
        return int(err.code), err.read(RESPONSE_CAP).decode("utf-8", "replace"), ""
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return None, "", f"{type(err).__name__}: {reason}"[:500]


def claim(session: Session, delivery_id: int, now: datetime | None = None) -> bool:
    """Reserve the next attempt of a due delivery; False when it is not due or another sender has it."""
    now = now or utcnow()
    stmt = (update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                   WebhookDelivery.next_attempt_at <= now)
            .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
            .execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", session.execute(stmt)).rowcount == 1


def backoff_seconds(settings: Settings, attempts: int) -> float:
    """The pause after the ``attempts``-th failed attempt: doubled each time, capped at six hours."""
    return float(min(settings.webhook_backoff_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def record(session: Session, settings: Settings, delivery: WebhookDelivery, status: int | None, answer: str,
           error: str, duration_ms: int, now: datetime | None = None) -> Outcome:
    """Log one attempt and decide: delivered (2xx), retry later, or failed after the last attempt."""
    now = now or utcnow()
    session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=status, response=answer[:RESPONSE_CAP],
                               error=error[:500], duration_ms=duration_ms))
    delivery.attempts += 1
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.finished_at = "delivered", now
        return "delivered"
    if delivery.attempts >= settings.webhook_attempts:
        delivery.status, delivery.finished_at = "failed", now
        return "failed"
    delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(settings, delivery.attempts))
    return "retry"


def due_ids(session: Session, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due (the sweep's catch-all for jobs that never arrived)."""
    q = (select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                          WebhookDelivery.next_attempt_at <= (now or utcnow()))
         .order_by(WebhookDelivery.id).limit(limit))
    return list(session.scalars(q))
