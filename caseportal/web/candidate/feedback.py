"""The candidate's feedback on the case and the process, after handing in (routes on the candidate blueprint)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.validators import NumberRange, Optional

from caseportal.current import db
from caseportal.services import feedback, submissions
from caseportal.services.errors import DomainError, Invalid

from .routes import _invitation, bp

SCALE = [(str(i), str(i)) for i in range(1, 6)]


class FeedbackForm(FlaskForm):
    realistic = RadioField(_l("Did the case give you a realistic picture of the role? (1 = not at all, 5 = very)"),
                           choices=SCALE, validators=[Optional()])
    fair = RadioField(_l("Did the case feel fair? (1 = not at all, 5 = very)"), choices=SCALE,
                      validators=[Optional()])
    minutes_spent = IntegerField(_l("How many minutes did you really spend on it?"),
                                 validators=[Optional(), NumberRange(min=1, max=1440)])
    interest_change = RadioField(_l("Did the case change your interest in the role?"), validators=[Optional()],
                                 choices=[("more", _l("More interested")), ("same", _l("About the same")),
                                          ("less", _l("Less interested"))])
    comment = TextAreaField(_l("Anything else you want to tell us? (optional)"))


def feedback_form_for(meeting_id: int) -> FeedbackForm:
    from caseportal.models import Meeting

    meeting = db().get(Meeting, meeting_id)
    existing = feedback.for_meeting(db(), meeting) if meeting else None
    form = FeedbackForm()
    if existing is not None:
        form.realistic.data = str(existing.realistic) if existing.realistic else None
        form.fair.data = str(existing.fair) if existing.fair else None
        form.minutes_spent.data = existing.minutes_spent
        form.interest_change.data = existing.interest_change or None
        form.comment.data = existing.comment
    return form


@bp.route("/i/<token>/feedback", methods=["GET", "POST"])
def give_feedback(token: str) -> str | Response | tuple[str, int]:
    inv = _invitation(token)
    meeting = inv.meeting
    handed = next((s for s in submissions.for_meeting(db(), meeting).values() if s.is_submitted), None)
    if handed is None:
        raise Invalid(_("You can rate the case after you have handed in your work."))
    form = FeedbackForm() if request.method == "POST" else feedback_form_for(meeting.id)
    if form.validate_on_submit():
        try:
            feedback.give(db(), meeting, handed, feedback.FeedbackInput(
                realistic=int(form.realistic.data) if form.realistic.data else None,
                fair=int(form.fair.data) if form.fair.data else None,
                minutes_spent=form.minutes_spent.data,
                interest_change=form.interest_change.data or "",
                comment=form.comment.data or "",
            ))
            db().commit()
        except DomainError as err:
            db().rollback()
            flash(err.message, "error")
            return render_template("candidate/feedback.html", token=token, meeting=meeting, form=form), 400
        flash(_("Thank you for your feedback! It helps us make the process better for the next candidate."),
              "info")
        return redirect(url_for("candidate.home", token=token))
    status = 400 if request.method == "POST" else 200
    return render_template("candidate/feedback.html", token=token, meeting=meeting, form=form), status


@bp.get("/i/<token>/brief")
def brief(token: str) -> str:
    """The candidate's version of the meeting brief, once the manager has shared it (404 before that)."""
    from caseportal.web.manage.brief import render_candidate_brief

    meeting = _invitation(token).meeting
    return render_template("candidate/brief.html", token=token, meeting=meeting,
                           brief_html=render_candidate_brief(meeting))
