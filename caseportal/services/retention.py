"""How long candidate data is kept: the meeting's outcome starts the clock, the retention setting ends it.

A closed meeting counts from its closing; an open one from its last activity (so a meeting nobody touches is not
kept for ever). A manager may postpone one erasure with a reason (a legal claim, say); a candidate's withdrawal
schedules one. What is due is erased by ``erasure`` (the job in ``retention_jobs``).
"""

from __future__ import annotations

import calendar as cal
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from caseportal.config import Settings
from caseportal.i18n import N_
from caseportal.i18n import gettext as _
from caseportal.models import Meeting, MeetingOutcome, MeetingRetention, Submission, User, utcnow

from . import audit, events, visibility
from .errors import Invalid

#: Manager-facing names of the outcomes, in the order the form offers them.
OUTCOME_LABELS: dict[str, str] = {
    MeetingOutcome.OFFER: N_("Offer made"),
    MeetingOutcome.NOT_CONTINUING: N_("Not continuing"),
    MeetingOutcome.WITHDREW: N_("Candidate withdrew"),
    MeetingOutcome.NO_SHOW: N_("Did not attend"),
}
#: Managers see erasures due this far ahead.
WARNING_WINDOW = timedelta(days=7)
MAX_POSTPONE = timedelta(days=366)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months (the 31st becomes the month's last day)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, cal.monthrange(year, month)[1]))


def record_for(session: Session, meeting: Meeting) -> MeetingRetention:
    """The meeting's retention record, made on first need."""
    rec = session.get(MeetingRetention, meeting.id)
    if rec is None:
        rec = MeetingRetention(meeting_id=meeting.id)
        session.add(rec)
        session.flush()
    return rec


def is_erased(session: Session, meeting_id: int) -> bool:
    return session.scalar(select(MeetingRetention.erased_at).where(
        MeetingRetention.meeting_id == meeting_id)) is not None


def close_meeting(session: Session, meeting: Meeting, outcome: str, by: User | None,
                  now: datetime | None = None) -> MeetingRetention:
    """Close the meeting with an outcome; the retention clock starts now (closing again restarts it)."""
    if outcome not in OUTCOME_LABELS:
        raise Invalid(_("Please choose an outcome."))
    rec = record_for(session, meeting)
    if rec.erased_at is not None:
        raise Invalid(_("This candidate's data has been erased."))
    rec.outcome, rec.closed_at, rec.closed_by_id = outcome, now or utcnow(), by.id if by else None
    audit.record(session, by, "close", "meeting", meeting.id, meeting_id=meeting.id, detail=f"outcome={outcome}")
    events.emit(session, "meeting.closed", meeting_id=meeting.id, outcome=outcome)
    return rec


def last_activity(meeting: Meeting, subs: list[Submission]) -> datetime:
    """The newest thing that happened on the meeting: created, invited, opened, worked on, reviewed, met."""
    times = [meeting.created_at, meeting.met_at, meeting.starts_at]
    times += [t for i in meeting.invitations for t in (i.issued_at, i.last_opened_at)]
    times += [t for s in subs for t in (s.updated_at, s.submitted_at, s.reviewed_at)]
    return max(t for t in times if t is not None)


@dataclass(frozen=True)
class Due:
    """When one meeting's data is to be erased, and why then."""

    meeting: Meeting
    due_at: datetime
    closed: bool
    postponed_until: datetime | None
    withdrawn: bool


def _due(settings: Settings, meeting: Meeting, rec: MeetingRetention | None, subs: list[Submission]) -> Due:
    start = rec.closed_at if rec is not None and rec.closed_at else last_activity(meeting, subs)
    due = add_months(start, settings.retention_months)
    postponed = rec.postponed_until if rec is not None else None
    if postponed is not None and postponed > due:
        due = postponed
    withdrawn = rec is not None and rec.erase_after is not None
    if rec is not None and rec.erase_after is not None:
        due = min(due, rec.erase_after)  # the candidate's request wins over a postponement by staff
    return Due(meeting, due, bool(rec and rec.closed_at), postponed, withdrawn)


def schedule(session: Session, settings: Settings, employer_ids: frozenset[int] | None = None) -> list[Due]:
    """Every meeting whose data is still held, with its erasure date, soonest first.

    ``employer_ids`` limits the list to those employers' meetings (a staff member's view, see
    ``visibility.employer_ids_for``); None, for the erasure job, means every meeting.
    """
    erased = select(MeetingRetention.meeting_id).where(MeetingRetention.erased_at.is_not(None))
    meetings = list(session.scalars(select(Meeting).where(Meeting.id.not_in(erased),
                                                          visibility.meeting_clause(employer_ids))
                                    .options(selectinload(Meeting.invitations))))
    ids = [m.id for m in meetings]
    recs = {r.meeting_id: r for r in session.scalars(
        select(MeetingRetention).where(MeetingRetention.meeting_id.in_(ids)))} if ids else {}
    subs: dict[int, list[Submission]] = {i: [] for i in ids}
    if ids:
        for sub in session.scalars(select(Submission).where(Submission.meeting_id.in_(ids))):
            subs[sub.meeting_id].append(sub)
    return sorted((_due(settings, m, recs.get(m.id), subs[m.id]) for m in meetings), key=lambda d: d.due_at)


def due_ids(session: Session, settings: Settings, now: datetime | None = None) -> list[int]:
    """Meetings whose data must be erased now."""
    now = now or utcnow()
    return [d.meeting.id for d in schedule(session, settings) if d.due_at <= now]


def upcoming(session: Session, settings: Settings, now: datetime | None = None,
             window: timedelta = WARNING_WINDOW, employer_ids: frozenset[int] | None = None) -> list[Due]:
    """Erasures due within ``window`` (and any overdue ones the job has not reached yet), of the employers
    ``employer_ids`` (None: all)."""
    now = now or utcnow()
    return [d for d in schedule(session, settings, employer_ids) if d.due_at <= now + window]


def postpone(session: Session, meeting: Meeting, until: datetime, reason: str, by: User,
             now: datetime | None = None) -> MeetingRetention:
    """Keep one candidate's data until ``until`` for a stated reason, which goes to the audit log.

    The reason must not name the candidate: the log keeps it after the data is gone.
    """
    now = now or utcnow()
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid(_("Please give a reason for keeping the data longer."))
    if len(reason) > 200:
        raise Invalid(_("The reason can be at most %(n)s characters long.", n=200))
    lowered = reason.lower()
    if any(part and part.lower() in lowered for part in (meeting.candidate_name, meeting.candidate_email)):
        raise Invalid(_("Please leave the candidate's name and email out of the reason: the audit log keeps it "
                        "after their data is erased."))
    if until <= now or until > now + MAX_POSTPONE:
        raise Invalid(_("Please choose a date in the next twelve months."))
    rec = record_for(session, meeting)
    if rec.erased_at is not None:
        raise Invalid(_("This candidate's data has been erased."))
    if rec.erase_after is not None:
        raise Invalid(_("The candidate asked for their data to be deleted; that cannot be postponed."))
    rec.postponed_until, rec.postpone_reason = until, reason
    audit.record(session, by, "postpone", "meeting", meeting.id, meeting_id=meeting.id,
                 detail=f"until={until.date().isoformat()}; {reason}", now=now)
    return rec


def due_for(session: Session, settings: Settings, meeting: Meeting) -> Due | None:
    """One meeting's erasure date; None once its data is erased."""
    rec = session.get(MeetingRetention, meeting.id)
    if rec is not None and rec.erased_at is not None:
        return None
    subs = list(session.scalars(select(Submission).where(Submission.meeting_id == meeting.id)))
    return _due(settings, meeting, rec, subs)
