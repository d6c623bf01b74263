"""The invitation email's words: warm and concrete, since the candidate is our guest.

Kept apart from sending (``invitations``) so the text, with its own weekday and month names, can be read and
changed without touching how links are issued; dates are written out in the sender's language and the
meeting's time zone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from caseportal.i18n import N_, ngettext
from caseportal.i18n import gettext as _
from caseportal.models import Invitation, Meeting, User

from .timezones import to_local

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
    employer = role.employer.name if role.employer else ""
    if employer:
        thanks = (_("Thank you for your interest in the %(role)s role in %(team)s at %(employer)s.",
                    role=role.title, team=role.team, employer=employer) if role.team
                  else _("Thank you for your interest in the %(role)s role at %(employer)s.", role=role.title,
                         employer=employer))
    else:
        thanks = (_("Thank you for your interest in the %(role)s role in %(team)s.", role=role.title,
                    team=role.team) if role.team
                  else _("Thank you for your interest in the %(role)s role.", role=role.title))
    lines = [
        _("Hello %(name)s,", name=meeting.candidate_name),
        "",
        thanks + " " + _("Instead of a classic interview we would like to invite you to a two-way conversation: "
                         "you see what we offer, try a short taster case taken from the team's everyday "
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
        lines += ["", ngettext("The meeting: %(when)s, %(num)s minute, %(where)s.",
                               "The meeting: %(when)s, %(num)s minutes, %(where)s.", meeting.duration_minutes,
                               when=when, where=where) if where
                  else ngettext("The meeting: %(when)s, %(num)s minute.", "The meeting: %(when)s, %(num)s minutes.",
                                meeting.duration_minutes, when=when)]
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
    subject = (_("Invitation from %(employer)s: let's meet about the %(role)s role", employer=employer,
                 role=role.title) if employer
               else _("Invitation: let's meet about the %(role)s role", role=role.title))
    return subject, "\n".join(lines) + "\n"
