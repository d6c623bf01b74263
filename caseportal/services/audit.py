"""Writing and reading the audit log of staff access to candidate data (issue 11 item 4, issue 12 item 4).

Routes, the CLI and jobs call :func:`record`; nothing here updates or deletes a row (the database refuses that
too, see ``models.audit``). A detail is a short code or an id, never personal data: the log outlives erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.models import AuditEvent, Run, Submission, User, utcnow

#: What happened to the data. ``view``: a page showing it; ``download``: a file or PDF of it.
ACTIONS = ("view", "download", "export", "change", "close", "postpone", "withdraw", "erase")
PAGE_SIZE = 200


@dataclass(frozen=True)
class Actor:
    """Who acted: a staff member (id), the candidate themself, or a job of the system."""

    kind: str
    user_id: int | None = None

    @classmethod
    def staff(cls, user: User) -> Actor:
        return cls("staff", user.id)


CANDIDATE = Actor("candidate")
SYSTEM = Actor("system")


def record(session: Session, actor: Actor | User | None, action: str, object_type: str,
           object_id: int | None, *, meeting_id: int | None = None, detail: str = "",
           now: datetime | None = None) -> AuditEvent:
    """Append one event (flushed with the caller's transaction, so it commits or rolls back with the change)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who = actor if isinstance(actor, Actor) else Actor.staff(actor) if actor is not None else SYSTEM
    event = AuditEvent(at=now or utcnow(), actor_id=who.user_id, actor_kind=who.kind, action=action,
                       object_type=object_type[:30], object_id=object_id, meeting_id=meeting_id,
                       detail=detail[:300])
    session.add(event)
    session.flush()
    return event


#: A staff member's repeated views of one object within this time are one line of the log: it says who saw
#: what and when to the minute, and reading a page again does not write (so the page can come from the cache).
VIEW_RESOLUTION = timedelta(minutes=1)


def viewed_recently(session: Session, user_id: int, object_type: str, object_id: int | None,
                    now: datetime | None = None) -> bool:
    """Whether the staff member's view of the object is already logged within VIEW_RESOLUTION."""
    since = (now or utcnow()) - VIEW_RESOLUTION
    found = session.scalar(select(AuditEvent.id).where(
        AuditEvent.actor_kind == "staff", AuditEvent.actor_id == user_id, AuditEvent.action == "view",
        AuditEvent.object_type == object_type[:30], AuditEvent.object_id == object_id,
        AuditEvent.at >= since).limit(1))
    return found is not None


def meeting_of(session: Session, object_type: str, object_id: int | None) -> int | None:
    """The meeting (candidate) an object belongs to, for objects named by a download's URL."""
    if object_id is None:
        return None
    if object_type == "meeting":
        return object_id
    if object_type == "submission":
        return session.scalar(select(Submission.meeting_id).where(Submission.id == object_id))
    if object_type == "run":
        return session.scalar(select(Submission.meeting_id).join(Run, Run.submission_id == Submission.id)
                              .where(Run.id == object_id))
    return None


def events(session: Session, *, meeting_id: int | None = None, actor_id: int | None = None,
           limit: int = PAGE_SIZE) -> list[AuditEvent]:
    """The newest events first, optionally for one candidate (meeting) or one staff member."""
    q = select(AuditEvent)
    if meeting_id is not None:
        q = q.where(AuditEvent.meeting_id == meeting_id)
    if actor_id is not None:
        q = q.where(AuditEvent.actor_id == actor_id)
    return list(session.scalars(q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))
