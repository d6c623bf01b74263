"""The case's materials (its data/ folder) on the staff case page: what a candidate gets, as they get it.

The library's current version, for managers (who may see any case); the same service and the same headers as the
candidate's routes, so an SVG opened on its own stays inert here too.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, abort, send_file, url_for

from caseportal.case_links import case_path, data_name
from caseportal.casebook import CaseSpec
from caseportal.current import casebook
from caseportal.permissions import manager_required
from caseportal.services import case_materials
from caseportal.services.markdown import LinkMap
from caseportal.services.uploads import human_size

from .routes import bp


def _case(slug: str) -> CaseSpec:
    return casebook().get(slug) or abort(404)


def _send(content: bytes, name: str, mimetype: str, *, inline: bool = False) -> Response:
    resp = send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=not inline,
                     download_name=case_materials.safe_filename(name), etag=False, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = case_materials.FILE_CSP
    return resp


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
    m, content = case_materials.get(_case(slug), name)
    return _send(content, m.name, m.mimetype)


@bp.get("/cases/<slug>/images/<path:name>")
@manager_required
def case_material_image(slug: str, name: str) -> Response:
    m, content = case_materials.get(_case(slug), name, image=True)
    return _send(content, m.name, m.mimetype, inline=True)


@bp.get("/cases/<slug>/materials.zip")
@manager_required
def case_materials_zip(slug: str) -> Response:
    case = _case(slug)
    if not case.data_files:
        abort(404)
    return _send(case_materials.zip_bytes(case), case_materials.zip_name(case), "application/zip")
