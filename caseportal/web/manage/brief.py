"""The meeting brief: a printable agenda page, the same as a PDF, and a preview of the candidate's version.

Managers and the meeting's reviewers see the staff brief (blind review applies: a reviewer who has not written
talking points yet sees "Candidate #id"); only managers share the candidate's version or preview it. The
candidate's version itself is rendered by ``web.briefing``, shared by both audiences.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from caseportal.current import casebook, db
from caseportal.models import Meeting, User
from caseportal.permissions import any_staff_required, manager_required
from caseportal.services import brief as brief_svc
from caseportal.services import visibility
from caseportal.web.audit_trail import note
from caseportal.web.briefing import render_candidate_brief
from caseportal.web.common import form_or_400, user
from caseportal.web.labels import OFFER_LABELS

from ._blueprint import bp
from .forms import ActionForm


def staff_brief(meeting: Meeting, viewer: User) -> brief_svc.Brief:
    """The staff brief as ``viewer`` may see it: with "Candidate #id" instead of the name under blind review."""
    hidden = visibility.hides_identity(meeting, viewer, session=db())
    label = _("Candidate #%(id)s", id=meeting.id) if hidden else None
    return brief_svc.brief_for(db(), meeting, casebook(), "staff", candidate_label=label)


def _render_staff(meeting: Meeting, *, for_pdf: bool = False) -> str:
    viewer = user()
    return render_template("manage/brief.html", brief=staff_brief(meeting, viewer), m=meeting,
                           is_manager=viewer.is_manager, for_pdf=for_pdf, offer_labels=OFFER_LABELS,
                           action=ActionForm())


@bp.get("/meetings/<int:meeting_id>/brief")
@any_staff_required
def brief(meeting_id: int) -> str:
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    note("view", "brief", meeting.id, meeting.id)
    return _render_staff(meeting)


@bp.get("/meetings/<int:meeting_id>/brief.pdf")
@any_staff_required
def brief_pdf(meeting_id: int) -> Response:
    """The brief as a PDF, rendered from the same page; WeasyPrint gets our static files and nothing else."""
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    html = _render_staff(meeting, for_pdf=True)
    note("download", "brief", meeting.id, meeting.id, detail="pdf")
    result = brief_svc.render_pdf(html, request.host_url, Path(current_app.static_folder or "static"),
                                  current_app.static_url_path or "/static")
    if result.refused:
        current_app.logger.info("brief PDF of meeting %s: refused to fetch %s", meeting.id, result.refused)
    return Response(result.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="meeting-{meeting.id}-brief.pdf"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    })


@bp.post("/meetings/<int:meeting_id>/brief/share")
@manager_required
def share_brief(meeting_id: int) -> BaseResponse:
    """Show the candidate's version on their page, or stop showing it."""
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    form_or_400(ActionForm())
    shared = request.form.get("shared", "1") != "0"
    brief_svc.set_shared(meeting, shared)
    db().commit()
    flash(_("The candidate can now see the brief on their page.") if shared
          else _("The brief is no longer shown to the candidate."), "info")
    return redirect(url_for("manage.brief", meeting_id=meeting.id))


@bp.get("/meetings/<int:meeting_id>/brief/candidate")
@manager_required
def brief_preview(meeting_id: int) -> str:
    """Exactly what the candidate sees when the brief is shared."""
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    return render_template("manage/brief_preview.html", m=meeting,
                           fragment=render_candidate_brief(meeting, preview=True))
