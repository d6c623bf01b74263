"""The case's materials (its data/ folder) on the candidate's case page: listed, previewed and downloadable.

Same rules as every candidate route: the token is resolved first (a revoked or expired link gets nothing), only a
case of that invitation's meeting is found, and a name outside data/ is "not found". Files are sent as downloads;
images also inline for <img>, under a policy that keeps an SVG opened on its own from running script.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.casebook import CaseSpec
from caseportal.casebook.links import case_path, data_name
from caseportal.current import casebook, db
from caseportal.services import case_materials
from caseportal.services.errors import NotFound
from caseportal.services.markdown import LinkMap
from caseportal.services.uploads import human_size
from caseportal.web.downloads import send_bytes

from ._blueprint import bp
from .access import CaseContext, load


def _case(ctx: CaseContext) -> CaseSpec:
    """The case as the candidate started it (its stored version), or the library's when not started yet."""
    return case_materials.case_for(db(), casebook(), ctx.case, ctx.submission)


def _send(content: bytes, name: str, mimetype: str, *, inline: bool = False) -> Response:
    return send_bytes(content, name, mimetype=mimetype, inline=inline, csp=case_materials.FILE_CSP)


def page_materials(ctx: CaseContext) -> dict[str, Any]:
    """What templates/_materials.html shows on the case page (no rows when the case ships no data/)."""
    where: dict[str, Any] = {"token": ctx.token, "slug": ctx.case.slug}
    rows = [{"m": m, "size": human_size(m.size), "url": url_for("candidate.material", name=m.name, **where),
             "image_url": url_for("candidate.material_image", name=m.name, **where) if m.kind == "image" else ""}
            for m in case_materials.list_materials(_case(ctx))]
    return {"rows": rows, "zip_url": url_for("candidate.materials_zip", **where)}


def brief_links(ctx: CaseContext) -> LinkMap:
    """Point the brief's relative links at this page's routes: data/ files at the materials, starter/ files at the
    candidate's own copy once started; a starter link before starting keeps its text but has nowhere to go."""
    own = set(ctx.submission.file_map()) if ctx.submission is not None else set()

    def resolve(target: str, image: bool) -> str:
        path = case_path(target)
        if path is None:
            return target
        if path in ("data", "data/"):
            return "#materials"
        name = data_name(path)
        if name is not None:
            endpoint = "candidate.material_image" if image else "candidate.material"
            return url_for(endpoint, token=ctx.token, slug=ctx.case.slug, name=name)
        if path.startswith("starter/") and path[len("starter/"):] in own and not image:
            return url_for("candidate.download", token=ctx.token, slug=ctx.case.slug, path=path[len("starter/"):])
        return target if image else ""

    return resolve


@bp.get("/i/<token>/case/<slug>/materials/<path:name>")
def material(token: str, slug: str, name: str) -> Response:
    """One file of the case's data/, always as a download."""
    ctx = load(token, slug)
    m, content = case_materials.get(_case(ctx), name)
    return _send(content, m.name, m.mimetype)


@bp.get("/i/<token>/case/<slug>/images/<path:name>")
def material_image(token: str, slug: str, name: str) -> Response:
    """An image of the case's data/, inline for the page's <img>; the policy header keeps an SVG inert."""
    ctx = load(token, slug)
    m, content = case_materials.get(_case(ctx), name, image=True)
    return _send(content, m.name, m.mimetype, inline=True)


@bp.get("/i/<token>/case/<slug>/materials.zip")
def materials_zip(token: str, slug: str) -> Response:
    """All of data/ in one zip, for working locally (a notebook next to its data, say)."""
    ctx = load(token, slug)
    case = _case(ctx)
    if not case.data_files:
        raise NotFound(_("This case comes without materials."))
    return _send(case_materials.zip_bytes(case), case_materials.zip_name(case), "application/zip")
