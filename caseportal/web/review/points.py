"""Talking points: the reviewer's discussion material for the meeting, added, edited, deleted and put in order.

A point written on the page that fails (empty, too long, a line outside the file) re-renders the page with what
the reviewer wrote and why; the edit page does the same on its own.
"""

from __future__ import annotations

from typing import Literal

from flask import flash, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from caseportal.current import db
from caseportal.permissions import any_staff_required
from caseportal.services import review as svc
from caseportal.web.audit_trail import note
from caseportal.web.common import commit_or_error, form_or_400, user

from ._blueprint import bp
from .access import point_or_404, submission_or_404
from .forms import ActionForm, MoveForm, TalkingPointForm
from .submission import act, back, file_choices, render_submission


@bp.post("/submissions/<int:submission_id>/points")
@any_staff_required
def add_point(submission_id: int) -> BaseResponse | tuple[str, int]:
    sub, m = submission_or_404(submission_id, submitted=True)
    form = TalkingPointForm(prefix="tp")
    if not form.validate_on_submit():
        return render_submission(sub, m, point_form=form, status=400)
    outcome = commit_or_error(lambda: svc.add_talking_point(
        db(), sub, user(), form.text.data or "", form.file_path.data or "", form.line.data))
    if not outcome.ok:
        return render_submission(sub, m, point_form=form, point_error=outcome.error, status=outcome.status)
    flash(_("Talking point added."), "info")
    return back(sub.id, "points")


@bp.route("/points/<int:point_id>/edit", methods=["GET", "POST"])
@any_staff_required
def edit_point(point_id: int) -> BaseResponse | tuple[str, int]:
    point, sub = point_or_404(point_id)
    form = TalkingPointForm(prefix="tp", obj=point if request.method == "GET" else None)
    form.file_path.choices = file_choices(sub)
    error = ""
    if form.validate_on_submit():
        outcome = commit_or_error(lambda: svc.update_talking_point(
            db(), point, form.text.data or "", form.file_path.data or "", form.line.data, editor=user()))
        if outcome.ok:
            note("change", "talking_point", point.id, meeting_id=sub.meeting_id, detail="edit")
            flash(_("Talking point saved."), "info")
            return back(sub.id, "points")
        error = outcome.error
    status = 400 if request.method == "POST" else 200
    return render_template("review/point_edit.html", form=form, point=point, submission=sub, error=error), status


@bp.post("/points/<int:point_id>/delete")
@any_staff_required
def delete_point(point_id: int) -> BaseResponse:
    point, sub = point_or_404(point_id)
    form_or_400(ActionForm())
    point_id, meeting_id = point.id, sub.meeting_id
    response = act(lambda: svc.delete_talking_point(db(), point), _("Talking point deleted."), sub.id, "points")
    note("change", "talking_point", point_id, meeting_id=meeting_id, detail="delete")
    return response


@bp.post("/points/<int:point_id>/move")
@any_staff_required
def move_point(point_id: int) -> BaseResponse:
    """One step up or down; no message, the page comes back at the point so the reviewer sees where it went."""
    point, sub = point_or_404(point_id)
    form = MoveForm()
    form_or_400(form)
    direction: Literal["up", "down"] = "up" if form.direction.data == "up" else "down"
    return act(lambda: svc.move_talking_point(db(), point, direction), "", sub.id, f"point-{point.id}")
