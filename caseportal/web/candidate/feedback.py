"""After handing in: the candidate's optional feedback on the case and the process, and the meeting brief once
the manager has shared it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.models import Meeting
from caseportal.services import feedback, submissions
from caseportal.services.errors import Invalid
from caseportal.web.briefing import render_candidate_brief
from caseportal.web.common import commit_or_error

from ._blueprint import bp
from .access import invitation
from .forms import FeedbackForm


def _form_with_answers(meeting: Meeting) -> FeedbackForm:
    """The form filled with the answers given before, so that feedback can be changed rather than retyped."""
    existing = feedback.for_meeting(db(), meeting)
    form = FeedbackForm()
    if existing is not None:
        form.felt.data = str(existing.felt) if existing.felt else None
        form.realistic.data = str(existing.realistic) if existing.realistic else None
        form.fair.data = str(existing.fair) if existing.fair else None
        form.minutes_spent.data = existing.minutes_spent
        form.interest_change.data = existing.interest_change or None
        form.comment.data = existing.comment
    return form


def _answers(form: FeedbackForm) -> feedback.FeedbackInput:
    return feedback.FeedbackInput(
        felt=int(form.felt.data) if form.felt.data else None,
        realistic=int(form.realistic.data) if form.realistic.data else None,
        fair=int(form.fair.data) if form.fair.data else None,
        minutes_spent=form.minutes_spent.data,
        interest_change=form.interest_change.data or "",
        comment=form.comment.data or "",
    )


@bp.route("/i/<token>/feedback", methods=["GET", "POST"])
def give_feedback(token: str) -> str | Response | tuple[str, int]:
    meeting = invitation(token).meeting
    handed = next((s for s in submissions.for_meeting(db(), meeting).values() if s.is_submitted), None)
    if handed is None:
        raise Invalid(_("You can rate the case after you have handed in your work."))
    form = FeedbackForm() if request.method == "POST" else _form_with_answers(meeting)
    if form.validate_on_submit():
        outcome = commit_or_error(lambda: feedback.give(db(), meeting, handed, _answers(form)))
        if outcome.ok:
            flash(_("Thank you for your feedback! It helps us make the process better for the next candidate."),
                  "info")
            return redirect(url_for("candidate.home", token=token))
        flash(outcome.error, "error")
    status = 400 if request.method == "POST" else 200
    return render_template("candidate/feedback.html", token=token, meeting=meeting, form=form), status


@bp.get("/i/<token>/brief")
def brief(token: str) -> str:
    """The candidate's version of the meeting brief, once the manager has shared it (404 before that)."""
    meeting = invitation(token).meeting
    return render_template("candidate/brief.html", token=token, meeting=meeting,
                           brief_html=render_candidate_brief(meeting))
