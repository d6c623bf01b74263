"""The invitation page, the first thing a candidate sees: what the employer offers, the meeting, the cases; and
the meeting as a calendar file.

Opening the page counts as opening the invitation (the manager's pipeline shows it).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, render_template, url_for
from flask_babel import gettext as _

from caseportal.casebook import CaseSpec
from caseportal.current import casebook, db, settings
from caseportal.models import OFFER_SECTIONS, Meeting, Submission
from caseportal.services import invitations, submissions
from caseportal.services.calendar import ics_for_meeting
from caseportal.web import page_cache
from caseportal.web.labels import OFFER_LABELS

from ._blueprint import bp
from .access import invitation
from .practice import warm_up_for


@dataclass
class _CaseEntry:
    slug: str
    spec: CaseSpec | None  # None while the case library can't provide it: listed, not linked
    submission: Submission | None


@bp.get("/i/<token>")
@page_cache.cacheable
def home(token: str) -> str:
    inv = invitation(token)
    meeting = inv.meeting
    invitations.mark_opened(inv)
    db().commit()
    return page_cache.page(lambda: _render(token, meeting))


def _render(token: str, meeting: Meeting) -> str:
    subs = submissions.for_meeting(db(), meeting)
    entries = [_CaseEntry(slug, casebook().get(slug), subs.get(slug)) for slug in meeting.case_slugs]
    role = meeting.job_role
    offers = [(OFFER_LABELS[name], getattr(role, name)) for name in OFFER_SECTIONS
              if (getattr(role, name) or "").strip()]
    return render_template(
        "candidate/home.html", token=token, meeting=meeting, role=role, offers=offers, entries=entries,
        handed_in=next((s for s in subs.values() if s.is_submitted), None),
        deadline_passed=submissions.deadline_passed(meeting),
        video_link_ok=meeting.video_link.startswith(("https://", "http://")),
        warm_up=warm_up_for(meeting),
    )


@bp.get("/i/<token>/meeting.ics")
def ics(token: str) -> Response:
    inv = invitation(token)
    link = settings().base_url.rstrip("/") + url_for(".home", token=token)
    body = ics_for_meeting(inv.meeting, settings(), for_candidate=True,
                           extra_description=_("Your invitation page: %(url)s", url=link))
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    return resp
