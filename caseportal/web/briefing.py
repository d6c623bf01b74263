"""The candidate's version of the meeting brief as an HTML fragment: shown on the candidate's page and in the
manager's preview, so it lives outside both audiences' packages."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from caseportal.current import casebook, db
from caseportal.models import Meeting
from caseportal.services import brief as brief_svc
from caseportal.services.errors import NotFound

from .labels import OFFER_LABELS


def render_candidate_brief(meeting: Meeting, *, preview: bool = False) -> Markup:
    """The candidate's version (headings from h2) for the candidate's own page.

    Raises NotFound (a 404 page) unless a manager has shared the brief; ``preview`` skips that check for the
    manager's preview. Needs an app and request context (it renders a template).
    """
    if not (meeting.brief_shared or preview):
        raise NotFound(_("There is no meeting brief to show yet."))
    data = brief_svc.brief_for(db(), meeting, casebook(), "candidate")
    return Markup(render_template("manage/brief_candidate.html", brief=data,  # noqa: S704 - autoescaped template
                                  offer_labels=OFFER_LABELS))
