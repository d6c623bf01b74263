"""iCalendar (.ics, RFC 5545) files for meetings, written by hand: one event needs no dependency.

Everyone gets the same event (UID stays stable per meeting), so a calendar updates the entry
instead of duplicating it when a changed file is imported again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from caseportal.config import Settings
from caseportal.i18n import gettext as _
from caseportal.models import Meeting, utcnow

from .errors import Invalid

CRLF = "\r\n"
MAX_OCTETS = 75  # RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break
PRODID = "-//caseportal//Candidate meetings//EN"


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never splitting a UTF-8 character.

    Continuation lines start with a single space, which counts towards their 75 octets.
    """
    parts: list[str] = []
    current = ""
    size = 0
    limit = MAX_OCTETS
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size, limit = " ", 1, MAX_OCTETS
        current += ch
        size += n
    parts.append(current)
    return CRLF.join(parts)


def format_utc(value: datetime) -> str:
    """A DATE-TIME in UTC form (``19980119T070000Z``); aware datetimes only."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the calendar")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build_calendar(events: Iterable[list[tuple[str, str]]]) -> bytes:
    """A VCALENDAR around VEVENTs given as (name, already-escaped value) properties, CRLF-terminated."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for props in events:
        lines.append("BEGIN:VEVENT")
        lines.extend(f"{name}:{value}" for name, value in props)
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines).encode("utf-8")


def _param(value: str) -> str:
    """A quoted parameter value (RFC 5545 3.2): no double quotes or control characters."""
    return "".join(ch for ch in value if ch != '"' and ch >= " " and ch != "\x7f")


def _host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "caseportal.invalid"


def ics_for_meeting(meeting: Meeting, settings: Settings, *, for_candidate: bool = False,
                    candidate_label: str | None = None, extra_description: str = "",
                    now: datetime | None = None) -> bytes:
    """The meeting as a calendar file; the same UID for staff and candidate.

    ``candidate_label`` replaces the candidate's name for staff who must not see it (blind review);
    ``extra_description`` is appended to the description (e.g. the candidate's own link).
    Raises Invalid when the meeting has no time yet.
    """
    if meeting.starts_at is None:
        raise Invalid(_("This meeting has no date and time yet, so there is no calendar entry."))
    role = meeting.job_role.title if meeting.job_role else ""
    employer = meeting.job_role.employer.name if meeting.job_role and meeting.job_role.employer else ""
    name = candidate_label or meeting.candidate_name
    if for_candidate:
        summary = (_("Meeting about the %(role)s role at %(employer)s", role=role, employer=employer)
                   if role and employer else
                   _("Meeting about the %(role)s role", role=role) if role else _("Candidate meeting"))
    elif role and employer:
        summary = _("Candidate meeting: %(name)s (%(role)s, %(employer)s)", name=name, role=role, employer=employer)
    else:
        summary = (_("Candidate meeting: %(name)s (%(role)s)", name=name, role=role) if role
                   else _("Candidate meeting: %(name)s", name=name))
    start = meeting.starts_at
    end = start + timedelta(minutes=meeting.duration_minutes or 60)

    description: list[str] = []
    if employer:
        description.append(_("Employer: %(employer)s", employer=employer))
    if role:
        description.append(_("Role: %(role)s", role=role))
        team = meeting.job_role.team if meeting.job_role else ""
        if team:
            description.append(_("Team: %(team)s", team=team))
    if meeting.place:
        description.append(_("Place: %(place)s", place=meeting.place))
    if meeting.video_link:
        description.append(_("Video link: %(url)s", url=meeting.video_link))
    description.append(_("This is a two-way conversation: we talk about the taster case and about what we offer."))
    if extra_description:
        description.append(extra_description)

    props: list[tuple[str, str]] = [
        ("UID", f"meeting-{meeting.id}@{_host(settings.base_url)}"),
        ("DTSTAMP", format_utc(now or utcnow())),
        ("DTSTART", format_utc(start)),
        ("DTEND", format_utc(end)),
        ("SUMMARY", escape_text(summary)),
    ]
    if employer:
        # The employer organises the meeting (caseportal only sends); a parameter value cannot hold a quote.
        props.append((f'ORGANIZER;CN="{_param(employer)}"', f"mailto:{settings.mail_sender}"))
    location = meeting.place or meeting.video_link
    if location:
        props.append(("LOCATION", escape_text(location)))
    if meeting.video_link:
        props.append(("URL", meeting.video_link))  # URI value type: not TEXT-escaped
    props.append(("DESCRIPTION", escape_text("\n".join(description))))
    props.append(("STATUS", "CONFIRMED"))
    props.append(("TRANSP", "OPAQUE"))
    return build_calendar([props])
