"""The manager's room: meetings and their pipeline, roles with what we offer, invitations, the case library.

Every view: role check (decorator), load, per-object check (404 outside the visitor's reach), service
call, commit, redirect.
"""

from __future__ import annotations

import re
from collections import defaultdict

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from caseportal.casebook import CaseSpec
from caseportal.current import casebook, db, settings
from caseportal.models import OFFER_SECTIONS, JobRole, Meeting, User, utcnow
from caseportal.permissions import any_staff_required, manager_required
from caseportal.services import calendar, invitations, mail, markdown, meetings, pipeline, timezones, visibility
from caseportal.services.errors import DomainError
from caseportal.web.auth.forms import ROLE_LABELS

from .forms import ActionForm, DeleteForm, MeetingForm, RoleForm

bp = Blueprint("manage", __name__)

STAGE_LABELS = {
    "invited": _l("invited"),
    "opened": _l("opened"),
    "started": _l("started"),
    "submitted": _l("submitted"),
    "reviewed": _l("reviewed"),
    "met": _l("met"),
}
KIND_LABELS = {"coding": _l("Coding"), "data": _l("Data"), "ux": _l("UX")}
RUNTIME_LABELS = {
    "python": _l("Python checks"),
    "datasci": _l("Python data-science checks"),
    "browser": _l("Browser checks"),
    "none": _l("No automated checks"),
}
OFFER_LABELS = {
    "offer_growth": _l("Development opportunities"),
    "offer_tech": _l("Tech platform"),
    "offer_benefits": _l("Benefits and wellness"),
    "offer_worklife": _l("Work-life balance"),
}


@bp.context_processor
def _manage_globals() -> dict[str, object]:
    return {"stage_labels": STAGE_LABELS, "kind_labels": KIND_LABELS, "runtime_labels": RUNTIME_LABELS,
            "offer_labels": OFFER_LABELS}


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _candidate(meeting: Meeting) -> str:
    """The name to show this visitor: an anonymous label for reviewers of a blind review."""
    if visibility.hides_identity(meeting, _user()):
        return _("Candidate #%(id)s", id=meeting.id)
    return meeting.candidate_name


def _has_review() -> bool:
    return "review.meeting" in current_app.view_functions


# --------------------------------------------------------------------------- dashboard and meetings


@bp.get("/meetings")
@any_staff_required
def dashboard() -> str:
    visible = visibility.meetings_for(db(), _user())
    stages = pipeline.pipelines(db(), visible)
    rows = [(m, _candidate(m), stages[m.id]) for m in visible]
    return render_template("manage/dashboard.html", rows=rows, has_review=_has_review())


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
    form.job_role_id.choices = [(r.id, r.title + (f" · {r.team}" if r.team else "")) for r in meetings.roles(db())]
    form.reviewers.choices = [(u.id, _("%(name)s (%(role)s)", name=u.name, role=ROLE_LABELS[u.role]))
                              for u in meetings.eligible_reviewers(db())]
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
        try:
            meeting = meetings.create_meeting(db(), casebook(), _meeting_input(form), created_by=_user())
            db().commit()
        except DomainError as err:
            db().rollback()
            flash(err.message, "error")
        else:
            flash(_("Meeting created. When you are ready, send the invitation."), "info")
            return redirect(url_for("manage.meeting", meeting_id=meeting.id))
    return render_template("manage/meeting_form.html", form=form, meeting=None, cases=casebook().cases)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@manager_required
def meeting_edit(meeting_id: int) -> str | Response:
    meeting = visibility.meeting_for(db(), _user(), meeting_id)
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        try:
            meetings.update_meeting(db(), casebook(), meeting, _meeting_input(form))
            db().commit()
        except DomainError as err:
            db().rollback()
            flash(err.message, "error")
        else:
            flash(_("Meeting saved."), "info")
            return redirect(url_for("manage.meeting", meeting_id=meeting.id))
    return render_template("manage/meeting_form.html", form=form, meeting=meeting, cases=casebook().cases)


@bp.get("/meetings/<int:meeting_id>")
@any_staff_required
def meeting(meeting_id: int) -> str:
    m = visibility.meeting_for(db(), _user(), meeting_id)
    is_manager = _user().is_manager
    inv = m.current_invitation
    link = invitations.current_link(settings(), m) if is_manager else None
    return render_template(
        "manage/meeting.html", m=m, candidate=_candidate(m), hidden=visibility.hides_identity(m, _user()),
        stages=pipeline.pipeline(db(), m), cases=[(s, casebook().get(s)) for s in m.case_slugs],
        inv=inv, link=link, expired=bool(inv and inv.expires_at < utcnow()),
        past_invitations=[i for i in m.invitations if i.revoked_at is not None],
        is_manager=is_manager, has_review=_has_review(), action=ActionForm(),
        mail_on=mail.mail_configured(settings()),
    )


@bp.post("/meetings/<int:meeting_id>/invite")
@manager_required
def invite(meeting_id: int) -> Response:
    """Issue (or re-issue) the candidate's link; mail it when a mail server is configured."""
    m = visibility.meeting_for(db(), _user(), meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    reissue = m.current_invitation is not None
    result = invitations.send_invitation(db(), m, settings())
    db().commit()
    if result.mailed:
        flash(_("The invitation was emailed to %(email)s.", email=m.candidate_email), "info")
    else:
        current_app.logger.info("Invitation link for meeting %s (%s): %s", m.id, m.candidate_email, result.url)
        if result.mail_attempted:
            flash(_("The mail could not be sent. Please copy the link below and send it to the candidate "
                    "yourself."), "error")
        elif reissue:
            flash(_("A new link was created and the old one no longer works. Copy it below and send it to "
                    "the candidate."), "info")
        else:
            flash(_("The invitation link is ready. Copy it below and send it to the candidate."), "info")
    return redirect(url_for("manage.meeting", meeting_id=m.id, _anchor="invitation"))


@bp.post("/meetings/<int:meeting_id>/revoke")
@manager_required
def revoke(meeting_id: int) -> Response:
    m = visibility.meeting_for(db(), _user(), meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if invitations.revoke(m):
        db().commit()
        flash(_("The invitation link was withdrawn and no longer works."), "info")
    else:
        flash(_("There was no working link to withdraw."), "info")
    return redirect(url_for("manage.meeting", meeting_id=m.id, _anchor="invitation"))


@bp.post("/meetings/<int:meeting_id>/met")
@manager_required
def mark_met(meeting_id: int) -> Response:
    m = visibility.meeting_for(db(), _user(), meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    met = request.form.get("met", "1") != "0"
    meetings.mark_met(m, met)
    db().commit()
    flash(_("Marked as met.") if met else _("Marked as not met yet."), "info")
    return redirect(url_for("manage.meeting", meeting_id=m.id))


@bp.route("/meetings/<int:meeting_id>/delete", methods=["GET", "POST"])
@manager_required
def meeting_delete(meeting_id: int) -> str | Response:
    m = visibility.meeting_for(db(), _user(), meeting_id)
    form = DeleteForm()
    if form.validate_on_submit():
        meetings.delete_meeting(db(), m)
        db().commit()
        flash(_("The meeting with %(name)s was deleted.", name=m.candidate_name), "info")
        return redirect(url_for("manage.dashboard"))
    return render_template("manage/meeting_delete.html", m=m, form=form)


@bp.get("/meetings/<int:meeting_id>/meeting.ics")
@any_staff_required
def meeting_ics(meeting_id: int) -> Response:
    m = visibility.meeting_for(db(), _user(), meeting_id)
    label = _candidate(m) if visibility.hides_identity(m, _user()) else None
    body = calendar.ics_for_meeting(m, settings(), candidate_label=label)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{m.id}.ics"',
                             "Cache-Control": "no-store"})


# --------------------------------------------------------------------------- roles


@bp.get("/roles")
@manager_required
def roles() -> str:
    rows = [(r, [OFFER_LABELS[s] for s in OFFER_SECTIONS if not (getattr(r, s) or "").strip()])
            for r in meetings.roles(db())]
    return render_template("manage/roles.html", rows=rows)


def _role_form_view(role: JobRole | None) -> str | Response:
    form = RoleForm(obj=role) if request.method == "GET" and role is not None else RoleForm()
    preview = request.method == "POST" and request.form.get("action") == "preview"
    if form.validate_on_submit() and not preview:
        target = role or JobRole(title="")
        form.populate_obj(target)
        target.role_family = (target.role_family or "").strip()
        if role is None:
            db().add(target)
        db().commit()
        flash(_("Role saved."), "info")
        return redirect(url_for("manage.role_edit", role_id=target.id))
    shown = {name: getattr(form, name).data or "" for name in OFFER_SECTIONS}
    return render_template("manage/role_form.html", form=form, role=role, preview=shown, previewing=preview)


@bp.route("/roles/new", methods=["GET", "POST"])
@manager_required
def role_new() -> str | Response:
    return _role_form_view(None)


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@manager_required
def role_edit(role_id: int) -> str | Response:
    role = db().get(JobRole, role_id) or abort(404)
    return _role_form_view(role)


# --------------------------------------------------------------------------- case library


@bp.get("/cases")
@manager_required
def cases() -> str:
    groups: dict[str, dict[str, list[CaseSpec]]] = defaultdict(lambda: defaultdict(list))
    for case in sorted(casebook().cases.values(), key=lambda c: c.title):
        groups[case.kind][case.role_family].append(case)
    ordered = [(kind, sorted(groups[kind].items())) for kind in ("coding", "data", "ux") if kind in groups]
    return render_template("manage/cases.html", groups=ordered, problems=casebook().problems)


@bp.get("/cases/<slug>")
@manager_required
def case(slug: str) -> str:
    spec = casebook().get(slug) or abort(404)
    lang = str(get_locale() or "en")
    brief_html = markdown.render(spec.brief(lang), materials.brief_links(spec))
    return render_template("manage/case.html", case=spec, brief=demote_headings(brief_html, 2),
                           materials=materials.page_materials(spec))


def demote_headings(html: Markup, by: int) -> Markup:
    """Shift a rendered document's headings down so they nest under the page's own h1 and h2."""
    return Markup(re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m[1]}h{min(6, int(m[2]) + by)}>", str(html)))  # noqa: S704
from . import analytics, brief, feedback, materials  # noqa: E402,F401
