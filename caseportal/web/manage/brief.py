"""The meeting brief: a printable agenda page, the same as a PDF, and the version the candidate may see.

Routes on the manage blueprint. Managers and the meeting's reviewers see the staff brief (blind review applies:
a reviewer who has not written talking points yet sees "Candidate #id"); only managers share the candidate's
version or preview it. The candidate blueprint shows the shared version through :func:`render_candidate_brief`.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from caseportal.current import casebook, db
from caseportal.models import Meeting, User
from caseportal.permissions import any_staff_required, manager_required
from caseportal.services import brief as brief_svc
from caseportal.services import visibility
from caseportal.services.errors import NotFound

from .forms import ActionForm
from .routes import OFFER_LABELS, bp


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def staff_brief(meeting: Meeting, user: User) -> brief_svc.Brief:
    """The staff brief as ``user`` may see it: with "Candidate #id" instead of the name under blind review."""
    hidden = visibility.hides_identity(meeting, user, session=db())
    label = _("Candidate #%(id)s", id=meeting.id) if hidden else None
    return brief_svc.brief_for(db(), meeting, casebook(), "staff", candidate_label=label)


def _render_staff(meeting: Meeting, *, for_pdf: bool = False) -> str:
    user = _user()
    return render_template("manage/brief.html", brief=staff_brief(meeting, user), m=meeting,
                           is_manager=user.is_manager, for_pdf=for_pdf, offer_labels=OFFER_LABELS,
                           action=ActionForm())


@bp.get("/meetings/<int:meeting_id>/brief")
@any_staff_required
def brief(meeting_id: int) -> str:
    return _render_staff(visibility.meeting_for(db(), _user(), meeting_id))


@bp.get("/meetings/<int:meeting_id>/brief.pdf")
@any_staff_required
def brief_pdf(meeting_id: int) -> Response:
    """The brief as a PDF, rendered from the same page; WeasyPrint gets our static files and nothing else."""
    meeting = visibility.meeting_for(db(), _user(), meeting_id)
    html = _render_staff(meeting, for_pdf=True)
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
def share_brief(meeting_id: int) -> Response:
    """Show the candidate's version on their page, or stop showing it."""
    meeting = visibility.meeting_for(db(), _user(), meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
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
    meeting = visibility.meeting_for(db(), _user(), meeting_id)
    return render_template("manage/brief_preview.html", m=meeting,
                           fragment=render_candidate_brief(meeting, preview=True))


def render_candidate_brief(meeting: Meeting, *, preview: bool = False) -> Markup:
    """The candidate's version as an HTML fragment (headings from h2) for the candidate's own page.

    Raises NotFound (a 404 page) unless a manager has shared the brief; ``preview`` skips that check for the
    manager's preview. Needs an app and request context (it renders a template).
    """
    if not (meeting.brief_shared or preview):
        raise NotFound(_("There is no meeting brief to show yet."))
    data = brief_svc.brief_for(db(), meeting, casebook(), "candidate")
    return Markup(render_template("manage/brief_candidate.html", brief=data,  # noqa: S704 - autoescaped template
                                  offer_labels=OFFER_LABELS))
