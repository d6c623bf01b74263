"""A meeting's life on the manager's side: create, edit, the meeting page, mark as met, delete.

The form helpers fill the meeting form's choices (roles, reviewers, cases) and turn it into the service's input.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.current import casebook, db, settings
from caseportal.models import Meeting, utcnow
from caseportal.permissions import any_staff_required, manager_required
from caseportal.services import invitations, mail, meetings, pipeline, timezones, visibility
from caseportal.web.audit_trail import note
from caseportal.web.common import commit_or_error, form_or_400, user
from caseportal.web.labels import KIND_LABELS, ROLE_LABELS

from ._blueprint import bp
from .dashboard import candidate_label, has_review
from .forms import ActionForm, DeleteForm, MeetingForm


def _case_choices(meeting: Meeting | None) -> list[tuple[str, str]]:
    """Library cases with title, kind and time; plus any attached case that has since left the library."""
    lib = casebook()
    choices = [(c.slug, _("%(title)s (%(kind)s, about %(minutes)s min)", title=c.title,
                          kind=KIND_LABELS.get(c.kind, c.kind), minutes=c.time_estimate_minutes))
               for c in sorted(lib.cases.values(), key=lambda c: (c.kind, c.title))]
    gone = [s for s in (meeting.case_slugs if meeting else []) if lib.get(s) is None]
    return choices + [(s, _("%(slug)s (no longer in the case library)", slug=s)) for s in gone]


def _meeting_form(meeting: Meeting | None) -> MeetingForm:
    form = MeetingForm()
    viewer = user()
    form.job_role_id.choices = [(r.id, r.title + (f" · {r.team}" if r.team else "") + f" · {r.employer.name}")
                                for r in visibility.roles_for(db(), viewer)]
    form.reviewers.choices = [(u.id, _("%(name)s (%(role)s)", name=u.name, role=ROLE_LABELS[u.role]))
                              for u in visibility.staff_seen_by(db(), viewer, meetings.eligible_reviewers(db()))]
    form.cases.choices = _case_choices(meeting)
    if meeting is not None and request.method == "GET":
        form.candidate_name.data = meeting.candidate_name
        form.candidate_email.data = meeting.candidate_email
        form.job_role_id.data = meeting.job_role_id
        form.timezone.data = meeting.timezone
        form.starts_at.data = timezones.to_local(meeting.starts_at, meeting.timezone)
        form.duration_minutes.data = meeting.duration_minutes
        form.place.data = meeting.place
        form.video_link.data = meeting.video_link
        form.reviewers.data = [u.id for u in meeting.reviewers]
        form.cases.data = meeting.case_slugs
        form.case_deadline.data = timezones.to_local(meeting.case_deadline, meeting.timezone)
        form.blind_review.data = meeting.blind_review
    return form


def _checked_input(form: MeetingForm) -> meetings.MeetingInput:
    """The service's input, once every chosen reviewer may see the chosen role's employer (else Invalid)."""
    data = _meeting_input(form)
    chosen = [u for u in meetings.eligible_reviewers(db()) if u.id in data.reviewer_ids]
    visibility.check_reviewers(db(), data.job_role_id, chosen)
    return data


def _meeting_input(form: MeetingForm) -> meetings.MeetingInput:
    return meetings.MeetingInput(
        candidate_name=form.candidate_name.data or "",
        candidate_email=form.candidate_email.data or "",
        job_role_id=form.job_role_id.data or 0,
        timezone=form.timezone.data or timezones.DEFAULT_TIMEZONE,
        starts_local=form.starts_at.data,
        duration_minutes=form.duration_minutes.data or 0,
        place=form.place.data or "",
        video_link=form.video_link.data or "",
        reviewer_ids=tuple(form.reviewers.data or ()),
        case_slugs=tuple(form.cases.data or ()),
        deadline_local=form.case_deadline.data,
        blind_review=bool(form.blind_review.data),
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
@manager_required
def meeting_new() -> str | Response:
    form = _meeting_form(None)
    if form.validate_on_submit():
        outcome = commit_or_error(
            lambda: meetings.create_meeting(db(), casebook(), _checked_input(form), created_by=user()))
        if outcome.value is not None:
            flash(_("Meeting created. When you are ready, send the invitation."), "info")
            return redirect(url_for("manage.meeting", meeting_id=outcome.value.id))
        flash(outcome.error, "error")
    return render_template("manage/meeting_form.html", form=form, meeting=None, cases=casebook().cases)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@manager_required
def meeting_edit(meeting_id: int) -> str | Response:
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        outcome = commit_or_error(lambda: meetings.update_meeting(db(), casebook(), meeting, _checked_input(form)))
        if outcome.ok:
            note("change", "meeting", meeting.id, detail="edit")
            flash(_("Meeting saved."), "info")
            return redirect(url_for("manage.meeting", meeting_id=meeting.id))
        flash(outcome.error, "error")
    return render_template("manage/meeting_form.html", form=form, meeting=meeting, cases=casebook().cases)


@bp.get("/meetings/<int:meeting_id>")
@any_staff_required
def meeting(meeting_id: int) -> str:
    m = visibility.meeting_for(db(), user(), meeting_id)
    is_manager = user().is_manager
    inv = m.current_invitation
    link = invitations.current_link(settings(), m) if is_manager else None
    return render_template(
        "manage/meeting.html", m=m, candidate=candidate_label(m), hidden=visibility.hides_identity(m, user()),
        stages=pipeline.pipeline(db(), m), cases=[(s, casebook().get(s)) for s in m.case_slugs],
        inv=inv, link=link, expired=bool(inv and inv.expires_at < utcnow()),
        past_invitations=[i for i in m.invitations if i.revoked_at is not None],
        is_manager=is_manager, has_review=has_review(), action=ActionForm(),
        mail_on=mail.mail_configured(settings()),
    )


@bp.post("/meetings/<int:meeting_id>/met")
@manager_required
def mark_met(meeting_id: int) -> Response:
    m = visibility.meeting_for(db(), user(), meeting_id)
    form_or_400(ActionForm())
    met = request.form.get("met", "1") != "0"
    meetings.mark_met(m, met)
    db().commit()
    note("change", "meeting", m.id, detail="met" if met else "not met")
    flash(_("Marked as met.") if met else _("Marked as not met yet."), "info")
    return redirect(url_for("manage.meeting", meeting_id=m.id))


@bp.route("/meetings/<int:meeting_id>/delete", methods=["GET", "POST"])
@manager_required
def meeting_delete(meeting_id: int) -> str | Response:
    m = visibility.meeting_for(db(), user(), meeting_id)
    form = DeleteForm()
    if form.validate_on_submit():
        meeting_id = m.id
        meetings.delete_meeting(db(), m)
        db().commit()
        note("erase", "meeting", meeting_id, meeting_id=meeting_id, detail="meeting deleted")
        flash(_("The meeting with %(name)s was deleted.", name=m.candidate_name), "info")
        return redirect(url_for("manage.dashboard"))
    return render_template("manage/meeting_delete.html", m=m, form=form)
