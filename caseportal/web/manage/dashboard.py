"""The staff's start page: every meeting the visitor may see, with its pipeline.

Also how a meeting's candidate is named to this visitor (the meeting page and its calendar file use the same rule).
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from caseportal.current import db
from caseportal.models import Meeting
from caseportal.permissions import any_staff_required
from caseportal.services import pipeline, visibility
from caseportal.web.common import user

from ._blueprint import bp


def candidate_label(meeting: Meeting) -> str:
    """The name to show this visitor: an anonymous label for reviewers of a blind review."""
    if visibility.hides_identity(meeting, user()):
        return str(_("Candidate #%(id)s", id=meeting.id))
    return meeting.candidate_name


def has_review() -> bool:
    """Whether the review room is mounted, so pages link to it only when it answers."""
    return "review.meeting" in current_app.view_functions


@bp.get("/meetings")
@any_staff_required
def dashboard() -> str:
    visible = visibility.meetings_for(db(), user())
    stages = pipeline.pipelines(db(), visible)
    rows = [(m, candidate_label(m), stages[m.id]) for m in visible]
    return render_template("manage/dashboard.html", rows=rows, has_review=has_review())
