"""Candidate meetings: scheduling, who takes part, the invitation, and where each meeting stands.

Times are entered in the meeting's own time zone and stored in UTC; a local time that does not
exist (the hour skipped when clocks go forward) is refused rather than silently shifted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from caseportal.casebook import Library
from caseportal.config import Settings
from caseportal.i18n import N_
from caseportal.i18n import gettext as _
from caseportal.models import (
    Invitation,
    JobRole,
    Meeting,
    MeetingCase,
    StaffRole,
    Submission,
    SubmissionStatus,
    TalkingPoint,
    User,
    utcnow,
)

from . import calendar, invitations, mail
from .errors import Invalid, NotFound

#: The candidate's way through a meeting, in order; each stage is done when it has a time.
STAGES: tuple[str, ...] = ("invited", "opened", "started", "submitted", "reviewed", "met")
DEFAULT_TIMEZONE = "Europe/Stockholm"
REVIEWER_ROLES = (StaffRole.REVIEWER, StaffRole.MANAGER)
MIN_DURATION, MAX_DURATION = 5, 600

Stage = tuple[str, datetime | None]


# --------------------------------------------------------------------------- time zones


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name the system knows, sorted, for the zone select."""
    return tuple(sorted(available_timezones()))


def valid_timezone(name: str) -> bool:
    if name not in timezone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def to_utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time in zone ``tz`` as aware UTC.

    An hour that is skipped when clocks go forward is refused (it would silently move); in the
    repeated hour when clocks go back the first occurrence (summer time) is taken.
    """
    if not valid_timezone(tz):
        raise Invalid(_("Unknown time zone: %(tz)s.", tz=tz))
    zone = ZoneInfo(tz)
    naive = local.replace(tzinfo=None, fold=0)
    aware = naive.replace(tzinfo=zone)
    as_utc = aware.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise Invalid(_("%(time)s does not exist in %(tz)s: the clocks move forward then. Please pick another "
                        "time.", time=naive.strftime("%Y-%m-%d %H:%M"), tz=tz))
    return as_utc


def to_local(value: datetime | None, tz: str) -> datetime | None:
    """An aware datetime as naive wall-clock time in ``tz``, for datetime-local inputs."""
    if value is None:
        return None
    zone = ZoneInfo(tz) if valid_timezone(tz) else UTC
    return value.astimezone(zone).replace(tzinfo=None)


# --------------------------------------------------------------------------- pipeline


def pipelines(session: Session, meetings: Sequence[Meeting]) -> dict[int, list[Stage]]:
    """The pipeline of many meetings with one query for their submissions (dashboards)."""
    ids = [m.id for m in meetings]
    subs: dict[int, list[Submission]] = {i: [] for i in ids}
    if ids:
        for sub in session.scalars(select(Submission).where(Submission.meeting_id.in_(ids))):
            subs[sub.meeting_id].append(sub)
    return {m.id: _stages(m, subs[m.id]) for m in meetings}


def pipeline(session: Session, meeting: Meeting) -> list[Stage]:
    """Where a meeting stands: each of STAGES with the time it was first reached, or None.

    invited: first invitation issued; opened: a link first opened; started: a submission exists;
    submitted: a submission handed in; reviewed: a submission reviewed; met: the meeting took place.
    """
    return pipelines(session, [meeting])[meeting.id]


def _earliest(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _stages(meeting: Meeting, subs: list[Submission]) -> list[Stage]:
    invs = meeting.invitations
    submitted = [s for s in subs if s.status == SubmissionStatus.SUBMITTED]
    return [
        ("invited", _earliest(i.issued_at for i in invs)),
        ("opened", _earliest(i.first_opened_at for i in invs)),
        ("started", _earliest(s.started_at for s in subs)),
        ("submitted", _earliest(s.submitted_at or s.updated_at for s in submitted)),
        ("reviewed", _earliest(s.reviewed_at for s in subs)),
        ("met", meeting.met_at),
    ]


# --------------------------------------------------------------------------- reading


def meetings_for(session: Session, user: User) -> list[Meeting]:
    """The meetings a staff member may see: all for managers and admins, their own for reviewers.

    Ordered as a day plan reads: upcoming soonest first, then unscheduled, then past ones latest first.
    """
    q = select(Meeting).options(selectinload(Meeting.invitations), selectinload(Meeting.reviewers),
                                selectinload(Meeting.cases))
    if not user.is_manager:
        q = q.join(Meeting.reviewers).where(User.id == user.id)
    meetings = list(session.scalars(q).unique())
    now = utcnow()

    def key(m: Meeting) -> tuple[int, float]:
        if m.starts_at is None:
            return (1, -m.created_at.timestamp())
        if m.starts_at >= now or m.met_at is None and m.starts_at.date() == now.date():
            return (0, m.starts_at.timestamp())
        return (2, -m.starts_at.timestamp())

    return sorted(meetings, key=key)


def can_see(user: User, meeting: Meeting) -> bool:
    """The one rule for who sees a meeting: managers and admins all, a reviewer only the ones they take part in."""
    return user.is_manager or any(r.id == user.id for r in meeting.reviewers)


def meeting_for(session: Session, user: User, meeting_id: int) -> Meeting:
    """One meeting, or NotFound when it is missing or outside the user's reach (existence never leaks)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not can_see(user, meeting):
        raise NotFound(_("This meeting does not exist, or you are not part of it."))
    return meeting


def wrote_talking_points(session: Session, meeting: Meeting, user: User) -> bool:
    """Whether ``user`` authored at least one talking point on any of the meeting's submissions."""
    q = (select(TalkingPoint.id).join(Submission, Submission.id == TalkingPoint.submission_id)
         .where(Submission.meeting_id == meeting.id, TalkingPoint.author_id == user.id).limit(1))
    return session.scalar(q) is not None


def hides_identity(meeting: Meeting, user: User, *, session: Session | None = None,
                   has_written: bool | None = None) -> bool:
    """Blind review: a reviewer sees no name or email until they have written their own talking points
    (so their first read of the work is unbiased), or until the meeting has taken place. Managers always see it.

    Whether the reviewer has written points is ``has_written`` when the caller knows it (dashboards), otherwise
    it is looked up in ``session`` or, when none is given, in the session the meeting belongs to; without any
    session the name stays hidden (the safe answer).
    """
    if not meeting.blind_review or user.is_manager or meeting.met_at is not None:
        return False
    if has_written is None:
        session = session or object_session(meeting)
        has_written = session is not None and wrote_talking_points(session, meeting, user)
    return not has_written


def eligible_reviewers(session: Session) -> list[User]:
    """Active staff who can take part in a meeting (reviewers and managers)."""
    q = select(User).where(User.active.is_(True), User.role.in_(REVIEWER_ROLES)).order_by(User.name)
    return list(session.scalars(q))


def roles(session: Session) -> list[JobRole]:
    return list(session.scalars(select(JobRole).order_by(JobRole.title, JobRole.id)))


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class MeetingInput:
    """What a manager enters for a meeting; local times are wall-clock times in ``timezone``."""

    candidate_name: str
    candidate_email: str
    job_role_id: int
    timezone: str = DEFAULT_TIMEZONE
    starts_local: datetime | None = None
    duration_minutes: int = 60
    place: str = ""
    video_link: str = ""
    reviewer_ids: Sequence[int] = field(default_factory=tuple)
    case_slugs: Sequence[str] = field(default_factory=tuple)
    deadline_local: datetime | None = None
    blind_review: bool = False


def valid_web_link(link: str) -> bool:
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in link)


def _check(session: Session, library: Library, data: MeetingInput, attached: Iterable[str] = ()) -> tuple[
        JobRole, datetime | None, datetime | None, list[User], list[str]]:
    name = data.candidate_name.strip()
    email = data.candidate_email.strip()
    if not name or len(name) > 200:
        raise Invalid(_("Please give the candidate's name (at most %(n)s characters).", n=200))
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Invalid(_("Please give a valid email address for the candidate."))
    role = session.get(JobRole, data.job_role_id)
    if role is None:
        raise Invalid(_("Please choose a role."))
    if not valid_timezone(data.timezone):
        raise Invalid(_("Unknown time zone: %(tz)s.", tz=data.timezone))
    if not MIN_DURATION <= data.duration_minutes <= MAX_DURATION:
        raise Invalid(_("The duration must be between %(min)s and %(max)s minutes.", min=MIN_DURATION,
                        max=MAX_DURATION))
    if data.video_link.strip() and not valid_web_link(data.video_link.strip()):
        raise Invalid(_("The video link must be a web address starting with http:// or https://."))
    starts = to_utc(data.starts_local, data.timezone) if data.starts_local else None
    deadline = to_utc(data.deadline_local, data.timezone) if data.deadline_local else None
    if starts and deadline and deadline > starts:
        raise Invalid(_("The case deadline must be before the meeting, so that reviewers can prepare."))

    wanted = list(dict.fromkeys(data.reviewer_ids))
    reviewers = [u for u in eligible_reviewers(session) if u.id in wanted]
    if len(reviewers) != len(wanted):
        raise Invalid(_("Reviewers must be active reviewers or managers."))
    reviewers.sort(key=lambda u: wanted.index(u.id))

    slugs = list(dict.fromkeys(s.strip() for s in data.case_slugs if s.strip()))
    if not slugs:
        raise Invalid(_("Please attach at least one case."))
    kept = set(attached)  # a case that left the library may stay on a meeting that already has it
    unknown = [s for s in slugs if library.get(s) is None and s not in kept]
    if unknown:
        raise Invalid(_("Unknown case: %(cases)s.", cases=", ".join(unknown)))
    return role, starts, deadline, reviewers, slugs


def _apply(meeting: Meeting, data: MeetingInput, role: JobRole, starts: datetime | None,
           deadline: datetime | None, reviewers: list[User]) -> None:
    meeting.candidate_name = data.candidate_name.strip()
    meeting.candidate_email = data.candidate_email.strip()
    meeting.job_role = role
    meeting.timezone = data.timezone
    meeting.starts_at = starts
    meeting.duration_minutes = data.duration_minutes
    meeting.place = data.place.strip()
    meeting.video_link = data.video_link.strip()
    meeting.case_deadline = deadline
    meeting.blind_review = data.blind_review
    meeting.reviewers = reviewers


def create_meeting(session: Session, library: Library, data: MeetingInput,
                   created_by: User | None = None) -> Meeting:
    """A new meeting with its cases and reviewers (no invitation yet: that is a separate step)."""
    role, starts, deadline, reviewers, slugs = _check(session, library, data)
    meeting = Meeting(candidate_name="", candidate_email="", created_by_id=created_by.id if created_by else None)
    _apply(meeting, data, role, starts, deadline, reviewers)
    meeting.cases = [MeetingCase(case_slug=s, position=i) for i, s in enumerate(slugs)]
    session.add(meeting)
    session.flush()
    return meeting


def update_meeting(session: Session, library: Library, meeting: Meeting, data: MeetingInput) -> None:
    """Change a meeting; a case the candidate has already started cannot be taken away."""
    role, starts, deadline, reviewers, slugs = _check(session, library, data, attached=meeting.case_slugs)
    started = set(session.scalars(select(Submission.case_slug).where(Submission.meeting_id == meeting.id)))
    removed_started = sorted(started - set(slugs))
    if removed_started:
        raise Invalid(_("The candidate has already started %(cases)s; that case cannot be removed.",
                        cases=", ".join(removed_started)))
    _apply(meeting, data, role, starts, deadline, reviewers)
    existing = {c.case_slug: c for c in meeting.cases}
    new_cases = []
    for i, slug in enumerate(slugs):
        mc = existing.get(slug) or MeetingCase(case_slug=slug)
        mc.position = i
        new_cases.append(mc)
    meeting.cases = new_cases
    session.flush()


def mark_met(meeting: Meeting, met: bool = True, now: datetime | None = None) -> None:
    """Record that the meeting took place (or undo a mistaken click)."""
    meeting.met_at = (now or utcnow()) if met else None


def delete_meeting(session: Session, meeting: Meeting) -> None:
    """Delete a meeting with its invitations, submissions and runs (cascades in the database)."""
    for sub in session.scalars(select(Submission).where(Submission.meeting_id == meeting.id)):
        session.delete(sub)
    session.delete(meeting)
    session.flush()


# --------------------------------------------------------------------------- invitations


def invitation_url(settings: Settings, inv: Invitation) -> str:
    """The absolute link a candidate opens; re-derivable, since the token is signed, not stored."""
    return f"{settings.base_url.rstrip('/')}/i/{invitations.token_for(inv, settings.secret_key)}"


def current_link(settings: Settings, meeting: Meeting) -> str | None:
    inv = meeting.current_invitation
    return invitation_url(settings, inv) if inv is not None else None


@dataclass(frozen=True)
class InviteResult:
    invitation: Invitation
    url: str
    mail_attempted: bool
    mailed: bool


WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))
MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
          N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))


def _when(value: datetime | None, tz: str) -> str:
    """A date a person reads in an email ("Monday 31 March 2031, 10:00"), in the sender's language."""
    local = to_local(value, tz)
    if not local:
        return ""
    return _("%(weekday)s %(day)s %(month)s %(year)s, %(time)s (%(tz)s)", weekday=_(WEEKDAYS[local.weekday()]),
             day=local.day, month=_(MONTHS[local.month - 1]), year=local.year, time=local.strftime("%H:%M"), tz=tz)


def invitation_email(session: Session, meeting: Meeting, url: str, inv: Invitation) -> tuple[str, str]:
    """Subject and text of the invitation: warm and concrete, since the candidate is our guest."""
    role = meeting.job_role
    inviter = session.get(User, meeting.created_by_id) if meeting.created_by_id else None
    thanks = (_("Thank you for your interest in the %(role)s role in %(team)s.", role=role.title, team=role.team)
              if role.team else _("Thank you for your interest in the %(role)s role.", role=role.title))
    lines = [
        _("Hello %(name)s,", name=meeting.candidate_name),
        "",
        thanks + " " + _("Instead of a classic interview we would like to invite you to a conversation that goes "
                         "both ways: you see what we offer, try a short taster case taken from the team's everyday "
                         "work, and then we talk about it together. Your questions matter as much as ours, and "
                         "there is no pass or fail."),
        "",
        _("Your personal link (please keep it to yourself):"),
        url,
        "",
        _("Behind the link you find what we offer, the case with a time estimate, and the meeting details."),
    ]
    if meeting.starts_at:
        where = meeting.place or meeting.video_link
        when = _when(meeting.starts_at, meeting.timezone)
        lines += ["", _("The meeting: %(when)s, %(n)s minutes, %(where)s.", when=when,
                        n=meeting.duration_minutes, where=where) if where
                  else _("The meeting: %(when)s, %(n)s minutes.", when=when, n=meeting.duration_minutes)]
        lines.append(_("A calendar entry is attached."))
    if meeting.case_deadline:
        lines.append(_("If you can, please hand in your work by %(when)s.",
                       when=_when(meeting.case_deadline, meeting.timezone)))
    lines += [
        _("The link works until %(when)s.", when=_when(inv.expires_at, meeting.timezone)),
        "",
        _("If the time does not suit you or anything is unclear, just tell us: we will find a way."),
        "",
        _("Looking forward to meeting you!"),
    ]
    if inviter is not None:
        lines.append(inviter.name)
    return _("Invitation: let's meet about the %(role)s role", role=role.title), "\n".join(lines) + "\n"


def send_invitation(session: Session, meeting: Meeting, settings: Settings,
                    now: datetime | None = None) -> InviteResult:
    """Issue a fresh link (earlier ones die) and mail it when a mail server is configured.

    Without mail, or if mailing fails, the caller shows the link to the manager to pass on.
    """
    inv = invitations.issue(session, meeting, settings.invitation_days, now=now)
    url = invitation_url(settings, inv)
    attempted = mail.mail_configured(settings)
    mailed = False
    if attempted:
        subject, body = invitation_email(session, meeting, url, inv)
        ics = calendar.ics_for_meeting(meeting, settings, for_candidate=True) if meeting.starts_at else None
        mailed = mail.send_mail(settings, meeting.candidate_email, subject, body, ics)
        inv.sent_by_mail = mailed
    session.flush()
    return InviteResult(inv, url, attempted, mailed)


def revoke_invitation(meeting: Meeting, now: datetime | None = None) -> int:
    """Kill every live link of the meeting; returns how many were live."""
    live = sum(1 for i in meeting.invitations if i.revoked_at is None)
    invitations.revoke(meeting, now)
    return live


# --------------------------------------------------------------------------- feedback to the candidate

MAX_FEEDBACK_CHARS = 20_000


def set_manager_feedback(meeting: Meeting, text: str, shared: bool) -> None:
    """The manager's written feedback to the candidate (markdown), and whether the candidate's page shows it.

    Feedback goes both ways: the candidate gave us theirs on the case and the process, and gets ours.
    """
    body = (text or "").strip()
    if len(body) > MAX_FEEDBACK_CHARS:
        raise Invalid(_("Please keep the feedback under %(limit)s characters (it has %(n)s).",
                        limit=MAX_FEEDBACK_CHARS, n=len(body)))
    if shared and not body:
        raise Invalid(_("Please write the feedback before sharing it with the candidate."))
    meeting.manager_feedback = body
    meeting.manager_feedback_shared = shared
