"""ATS partner connections, shared by the Greenhouse and Teamtailor adapters: keys (stored hashed), turning an
ATS request into a meeting and an invitation exactly once, the candidate's status, and the callbacks to the ATS.

Idempotency is settled by the database: the link row is unique on (connection, the ATS's id) and is inserted in
a savepoint together with its meeting, so of two identical requests racing, one creates and the other finds it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseportal.casebook import Library
from caseportal.config import Settings
from caseportal.i18n import gettext as _
from caseportal.models import (
    JobRole,
    Meeting,
    MeetingCase,
    PartnerConnection,
    PartnerLink,
    Submission,
    WebhookDelivery,
    utcnow,
)

from . import invitations, review, submissions
from .errors import Invalid, NotFound
from .events import remember

ATS_NAMES = {"greenhouse": "Greenhouse", "teamtailor": "Teamtailor"}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewConnection:
    connection: PartnerConnection
    key: str  # shown to the admin once


def create_connection(session: Session, library: Library, ats: str, name: str, job_role_id: int,
                      case_slugs: list[str]) -> NewConnection:
    """A customer's connection: a fresh key (returned once, stored as a hash), the role and the offered cases."""
    if ats not in ATS_NAMES:
        raise Invalid(_("Choose Greenhouse or Teamtailor."))
    if session.get(JobRole, job_role_id) is None:
        raise Invalid(_("Choose a role."))
    cases = [s for s in case_slugs if library.get(s) is not None]
    if not cases:
        raise Invalid(_("Choose at least one case to offer as a test."))
    key = f"cp_{ats[:2]}_" + secrets.token_urlsafe(30)
    conn = PartnerConnection(ats=ats, name=name.strip()[:200] or ATS_NAMES[ats], key_hash=hash_key(key),
                             key_hint=key[:9], job_role_id=job_role_id, case_slugs=" ".join(cases))
    session.add(conn)
    session.flush()
    return NewConnection(conn, key)


def revoke_connection(session: Session, connection_id: int, now: datetime | None = None) -> None:
    conn = session.get(PartnerConnection, connection_id)
    if conn is None:
        raise NotFound(_("This connection does not exist."))
    conn.revoked_at = conn.revoked_at or now or utcnow()
    session.flush()


def connections(session: Session) -> list[PartnerConnection]:
    return list(session.scalars(select(PartnerConnection).order_by(PartnerConnection.id)))


def authenticate(session: Session, ats: str, key: str) -> PartnerConnection | None:
    """The live connection of this ATS whose key this is (compared as hashes: no timing on the secret)."""
    if not key:
        return None
    conn = session.scalar(select(PartnerConnection).where(PartnerConnection.key_hash == hash_key(key)))
    if conn is None or conn.ats != ats or conn.revoked_at is not None:
        return None
    return conn


@dataclass(frozen=True)
class Candidate:
    first_name: str
    last_name: str
    email: str

    def check(self) -> None:
        if not self.email or "@" not in self.email or len(self.email) > 254:
            raise Invalid("email")
        if len(self.first_name) + len(self.last_name) > 190:
            raise Invalid("first_name")


def callback_allowed(settings: Settings, url: str) -> bool:
    """Whether ``url`` is http(s) on an allowed host or one of its subdomains (no requests to anywhere else)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("https", "http") and any(
        host == h or host.endswith("." + h) for h in settings.partner_callback_hosts.lower().split())


def find_link(session: Session, conn: PartnerConnection, external_id: str) -> PartnerLink | None:
    return session.scalar(select(PartnerLink).where(PartnerLink.connection_id == conn.id,
                                                    PartnerLink.external_id == external_id))


def open_test(session: Session, settings: Settings, library: Library, conn: PartnerConnection, external_id: str,
              case_slug: str, candidate: Candidate, callback_url: str) -> tuple[PartnerLink, bool]:
    """The meeting and invitation for an ATS request, created once: (link, created). A repeat returns the first
    link and creates, mails and queues nothing. Unknown tests raise NotFound, bad fields Invalid(field name)."""
    if case_slug not in conn.cases or library.get(case_slug) is None:
        raise NotFound(case_slug)
    candidate.check()
    if not callback_allowed(settings, callback_url):
        raise Invalid("url")
    existing = find_link(session, conn, external_id)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            meeting = Meeting(candidate_name=f"{candidate.first_name} {candidate.last_name}".strip() or
                              candidate.email, candidate_email=candidate.email, job_role_id=conn.job_role_id)
            meeting.cases.append(MeetingCase(case_slug=case_slug, position=0))
            session.add(meeting)
            session.flush()
            link = PartnerLink(connection_id=conn.id, external_id=external_id, meeting_id=meeting.id,
                               public_id=secrets.token_urlsafe(18), case_slug=case_slug,
                               callback_url=callback_url[:1000])
            session.add(link)
            session.flush()
    except IntegrityError:
        found = find_link(session, conn, external_id)
        if found is None:
            raise
        return found, False
    invitations.send_invitation(session, meeting, settings)
    if conn.ats == "teamtailor":
        remember(session, WebhookDelivery(kind="teamtailor", link_id=link.id, event="invitation.sent",
                                          event_id=secrets.token_hex(16)))
    return link, True


@dataclass(frozen=True)
class Status:
    """What the ATS learns: handed in (complete), reviewed, a score when a full run exists, the staff link."""

    complete: bool
    reviewed: bool
    score: int | None
    profile_url: str
    case_slug: str
    handed_in_at: datetime | None


def status(session: Session, settings: Settings, link: PartnerLink) -> Status:
    meeting = session.get(Meeting, link.meeting_id)
    if meeting is None:
        raise NotFound(link.public_id)
    sub: Submission | None = submissions.handed_in(session, meeting)
    score = None
    if sub is not None:
        run = review.latest_full_run(session, sub)
        if run is not None:
            counts = review.run_summary(run)["counts"]
            score = round(100 * counts["passed"] / counts["total"]) if counts["total"] else None
    return Status(complete=sub is not None, reviewed=bool(sub and sub.reviewed_at), score=score,
                  profile_url=f"{settings.base_url.rstrip('/')}/meetings/{meeting.id}",
                  case_slug=link.case_slug, handed_in_at=sub.submitted_at if sub else None)


def link_by_public_id(session: Session, conn: PartnerConnection, public_id: str) -> PartnerLink | None:
    link = session.scalar(select(PartnerLink).where(PartnerLink.public_id == public_id))
    return link if link is not None and link.connection_id == conn.id else None


TEAMTAILOR_API_VERSION = "20240404"


def callback(settings: Settings, delivery: WebhookDelivery, link: PartnerLink,
             session: Session) -> tuple[str, dict[str, str], bytes]:
    """The request that tells the ATS about a delivery's event: (method, headers, body).

    Greenhouse: a bodyless PATCH to the ``url`` it gave; it then calls ``test_status``. Teamtailor: the partner
    result at its ``update-url``, as JSON:API, with the partner API key.
    """
    if delivery.kind == "greenhouse":
        return "PATCH", {"User-Agent": "caseportal"}, b""
    state = status(session, settings, link)
    if not state.complete:
        attributes: dict[str, object] = {"status": "sent"}
    else:
        summary = (_("Handed in and reviewed.") if state.reviewed else _("Handed in; the review is pending."))
        attributes = {"status": "completed", "summary": summary, "url": state.profile_url}
        if state.score is not None:
            attributes["score"] = state.score
    body = json.dumps({"data": {"id": link.external_id, "type": "partner-results", "attributes": attributes}})
    return "PATCH", {"Content-Type": "application/vnd.api+json", "User-Agent": "caseportal",
                     "Authorization": f"Token token={settings.teamtailor_partner_key}",
                     "X-Api-Version": TEAMTAILOR_API_VERSION}, body.encode()
