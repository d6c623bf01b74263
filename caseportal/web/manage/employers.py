"""Employers (a recruiting firm's client companies): the list, create and edit with name, about text, brand colour,
logo and the default offer blocks their new roles start from.

Only firm-wide staff add employers; everyone edits only the employers they can see (services/employers.py holds
both rules). A refused logo or colour re-renders the form with the reason and stores nothing.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.models import OFFER_SECTIONS, Employer, JobRole
from caseportal.permissions import manager_required
from caseportal.services import brand, employers, logos
from caseportal.services.errors import Invalid
from caseportal.web.common import user

from ._blueprint import bp
from .forms import EmployerForm


@bp.get("/employers")
@manager_required
def employers_page() -> str:
    shown = employers.employers_visible(db(), user())
    counts: dict[int, int] = {employer_id: n for employer_id, n in db().execute(
        select(JobRole.employer_id, func.count()).group_by(JobRole.employer_id))}
    return render_template("manage/employers.html", employers=shown, counts=counts,
                           may_create=employers.may_create(user()))


def _upload() -> bytes | None:
    """The uploaded logo's bytes (read at most one byte past the limit, so the service can refuse by size)."""
    file = request.files.get("logo")
    if file is None or not file.filename:
        return None
    return file.stream.read(logos.MAX_BYTES + 1)


def _form_view(employer: Employer | None) -> tuple[str, int] | Response:
    form = EmployerForm(obj=employer) if request.method == "GET" and employer is not None else EmployerForm()
    status = 200
    if form.validate_on_submit():
        fields: dict[str, Any] = {"name": form.name.data, "about": form.about.data,
                                     "brand_colour": form.brand_colour.data or ""}
        fields.update({s: getattr(form, s).data or "" for s in OFFER_SECTIONS})
        upload = _upload()
        if upload is not None:
            fields["logo"] = upload
        try:
            if employer is None:
                employer = employers.create_employer(db(), **fields)
            else:
                employers.update_employer(db(), employer, **fields)
                if form.remove_logo.data and upload is None:
                    employers.remove_logo(employer)
            db().commit()
        except logos.LogoRefused as err:
            db().rollback()
            form.logo.errors = [err.message]
        except Invalid as err:
            db().rollback()
            (form.brand_colour if isinstance(err, brand.ColourRefused) else form.name).errors = [err.message]
        else:
            flash(_("Employer saved."), "info")
            return redirect(url_for("manage.employer_edit", employer_id=employer.id))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("manage/employer_form.html", form=form, employer=employer), status


@bp.route("/employers/new", methods=["GET", "POST"])
@manager_required
def employer_new() -> tuple[str, int] | Response:
    employers.require_may_create(user())
    return _form_view(None)


@bp.route("/employers/<int:employer_id>", methods=["GET", "POST"])
@manager_required
def employer_edit(employer_id: int) -> tuple[str, int] | Response:
    return _form_view(employers.employer_for(db(), user(), employer_id))
