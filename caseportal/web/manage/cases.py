"""The case library as managers browse it: every case grouped by kind and role family, and one case's page
(its brief, materials and facts), in the visitor's language."""

from __future__ import annotations

import re
from collections import defaultdict

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from caseportal.casebook import CaseSpec
from caseportal.current import casebook
from caseportal.permissions import manager_required
from caseportal.services import markdown

from . import materials
from ._blueprint import bp


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
    spec = materials.library_case(slug)
    lang = str(get_locale() or "en")
    brief_html = markdown.render(spec.brief(lang), materials.brief_links(spec))
    return render_template("manage/case.html", case=spec, brief=demote_headings(brief_html, 2),
                           materials=materials.page_materials(spec))


def demote_headings(html: Markup, by: int) -> Markup:
    """Shift a rendered document's headings down so they nest under the page's own h1 and h2."""
    return Markup(re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m[1]}h{min(6, int(m[2]) + by)}>", str(html)))  # noqa: S704
