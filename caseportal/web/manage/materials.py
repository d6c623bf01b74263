"""The case's materials (its data/ folder) on the staff case page: what a candidate gets, as they get it.

The library's current version, for managers (who may see any case); the same service and the same headers as the
candidate's routes, so an SVG opened on its own stays inert here too.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, url_for

from caseportal.casebook import CaseSpec
from caseportal.casebook.links import case_path, data_name
from caseportal.current import casebook
from caseportal.permissions import manager_required
from caseportal.services import case_materials
from caseportal.services.markdown import LinkMap
from caseportal.services.uploads import human_size
from caseportal.web.downloads import send_bytes

from ._blueprint import bp


def library_case(slug: str) -> CaseSpec:
    """The case as the library holds it now, or 404 (managers see the current version, not a snapshot)."""
    return casebook().get(slug) or abort(404)


def page_materials(case: CaseSpec) -> dict[str, Any]:
    """What templates/_materials.html shows on the staff case page."""
    rows = [{"m": m, "size": human_size(m.size), "url": url_for("manage.case_material", slug=case.slug, name=m.name),
             "image_url": (url_for("manage.case_material_image", slug=case.slug, name=m.name)
                           if m.kind == "image" else "")}
            for m in case_materials.list_materials(case)]
    return {"rows": rows, "zip_url": url_for("manage.case_materials_zip", slug=case.slug)}


def brief_links(case: CaseSpec) -> LinkMap:
    """The brief's data/ links lead to the materials here too; starter/ links to the list of starter files."""
    def resolve(target: str, image: bool) -> str:
        path = case_path(target)
        name = data_name(path) if path else None
        if path in ("data", "data/"):
            return "#materials"
        if name is not None:
            return url_for("manage.case_material_image" if image else "manage.case_material", slug=case.slug,
                           name=name)
        if path is not None and path.startswith("starter/") and not image:
            return "#files-h"
        return target

    return resolve


@bp.get("/cases/<slug>/materials/<path:name>")
@manager_required
def case_material(slug: str, name: str) -> Response:
    m, content = case_materials.get(library_case(slug), name)
    return send_bytes(content, m.name, mimetype=m.mimetype, csp=case_materials.FILE_CSP)


@bp.get("/cases/<slug>/images/<path:name>")
@manager_required
def case_material_image(slug: str, name: str) -> Response:
    m, content = case_materials.get(library_case(slug), name, image=True)
    return send_bytes(content, m.name, mimetype=m.mimetype, inline=True, csp=case_materials.FILE_CSP)


@bp.get("/cases/<slug>/materials.zip")
@manager_required
def case_materials_zip(slug: str) -> Response:
    case = library_case(slug)
    if not case.data_files:
        abort(404)
    return send_bytes(case_materials.zip_bytes(case), case_materials.zip_name(case), mimetype="application/zip",
                      csp=case_materials.FILE_CSP)
