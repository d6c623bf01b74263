"""The meeting page for reviewers: the meeting's cases and where each candidate's work stands."""

from __future__ import annotations

from flask import render_template

from caseportal.current import casebook, db
from caseportal.permissions import any_staff_required
from caseportal.services import review as svc

from ._blueprint import bp
from .access import meeting_or_404, show_candidate


def _case_title(slug: str) -> str:
    """The library's title, or the slug of a case that has since left the library."""
    spec = casebook().get(slug)
    return spec.title if spec else slug


@bp.get("/meetings/<int:meeting_id>")
@any_staff_required
def meeting(meeting_id: int) -> str:
    m = meeting_or_404(meeting_id)
    library = casebook()
    submissions = svc.submissions_for_meeting(db(), m)
    by_slug = {s.case_slug: s for s in submissions}
    cases = [{"slug": slug, "spec": library.get(slug), "submission": by_slug.get(slug)} for slug in m.case_slugs]
    titles = {s.case_slug: _case_title(s.case_slug) for s in submissions}
    return render_template("review/meeting.html", meeting=m, cases=cases, submissions=submissions, titles=titles,
                           show_candidate=show_candidate(m))
