"""Pipeline analytics for managers: the funnel, time spent against the estimate, candidates' ratings,
and the same figures per meeting as CSV. Figures come from ``services.analytics``; charts from
``services.charts``.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _

from caseportal.current import casebook, db
from caseportal.models import utcnow
from caseportal.permissions import manager_required
from caseportal.services import analytics, charts, visibility
from caseportal.services.pipeline import STAGES
from caseportal.web.common import user
from caseportal.web.labels import STAGE_LABELS

from ._blueprint import bp
from .forms import FilterForm


def _filter_form() -> FilterForm:
    """The filters; the employer and role choices are only those the visitor may see, so another employer's id
    in the query string is an invalid filter (400), never a way around the scoping."""
    form = FilterForm(formdata=request.args)
    viewer = user()
    form.employer.choices = [("", _("All employers"))] + [
        (str(e.id), e.name) for e in visibility.employers_for(db(), viewer)]
    form.role.choices = [("", _("All roles"))] + [
        (str(r.id), f"{r.title} · {r.employer.name}") for r in visibility.roles_for(db(), viewer)]
    return form


def _filters(form: FilterForm) -> analytics.Filters:
    since: date | None = form.since.data
    until: date | None = form.until.data
    return analytics.Filters(role_id=int(form.role.data) if form.role.data else None, since=since, until=until,
                             employer_id=int(form.employer.data) if form.employer.data else None,
                             within=visibility.employer_ids_for(user(), db()))


def _pct(value: float | None) -> str:
    return "–" if value is None else format_percent(value / 100)


@bp.get("/analytics", endpoint="analytics")
@manager_required
def analytics_page() -> tuple[str, int] | str:
    """The dashboard; invalid filters are shown with their errors and no figures (400)."""
    form = _filter_form()
    if not form.validate():
        return render_template("manage/analytics.html", form=form, invalid=True), 400
    filters = _filters(form)
    rows = analytics.meeting_rows(db(), casebook(), filters)
    overall = analytics.funnel(rows)[0]
    times = analytics.time_spent(rows)
    said = analytics.ratings(db(), filters)
    titles = {slug: spec.title for slug, spec in casebook().cases.items()}

    funnel_chart = charts.funnel_svg(
        [charts.FunnelBar(str(STAGE_LABELS[s.stage]), s.count,
                          _("%(pct)s of invited", pct=_pct(s.of_first_pct)) if s.of_first_pct is not None else "")
         for s in overall.steps],
        title=_("How many meetings reached each stage"),
        desc=" ".join((
            ngettext("%(num)s candidate invited.", "%(num)s candidates invited.", overall.step("invited").count),
            ngettext("%(num)s handed in a case.", "%(num)s handed in a case.", overall.step("submitted").count),
            ngettext("%(num)s meeting took place.", "%(num)s meetings took place.", overall.step("met").count))),
        ident="funnel-chart")
    time_chart = charts.time_svg(
        [charts.TimeBar(t.case_title, t.median_minutes, t.estimate_minutes) for t in times],
        title=_("Median time spent on each case against its estimate"),
        desc="; ".join(_("%(case)s: %(spent)s min spent (median), estimate %(estimate)s min", case=t.case_title,
                         spent=format_decimal(t.median_minutes, "0.#"),
                         estimate=t.estimate_minutes if t.estimate_minutes is not None else "–") for t in times),
        ident="time-chart", spent_label=_("time spent (median)"), estimate_label=_("estimate"),
        unit=_("min"), number=lambda v: format_decimal(v, "0.#"))
    return render_template(
        "manage/analytics.html", form=form, invalid=False, rows=rows, overall=overall,
        by_case=analytics.funnel(rows, "case"), by_role=analytics.funnel(rows, "role"), times=times,
        said=said, titles=titles, funnel_chart=funnel_chart, time_chart=time_chart, stages=STAGES,
        pct=_pct, not_invited=sum(1 for r in rows if r.furthest is None),
        csv_args={k: v for k in ("employer", "role", "since", "until") if (v := request.args.get(k))},
        voice_args={k: v for k in ("employer", "since", "until") if (v := request.args.get(k))},
        cap_hours=analytics.MEASURED_CAP_MINUTES // 60,
    )


@bp.get("/analytics.csv")
@manager_required
def analytics_csv() -> Response:
    """One line per meeting for a spreadsheet; no candidate names (they are not needed for the figures)."""
    form = _filter_form()
    if not form.validate():
        abort(400)
    rows = analytics.meeting_rows(db(), casebook(), _filters(form))
    # A byte order mark so that spreadsheet programs read the UTF-8 (å, ä, ö in role titles) correctly.
    body = "\ufeff" + analytics.csv_text(rows)
    name = f"pipeline-{utcnow():%Y-%m-%d}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})
