"""The API's blueprint and the SpecTree instance that validates its requests and writes its OpenAPI document."""

from __future__ import annotations

from flask import Blueprint
from spectree import SpecTree

from .schemas import Problem

PREFIX = "/api/v1"
#: Path ids: plain ``int`` (werkzeug answers 405, not 404, when ``int(max=...)`` refuses a value on a path that
#: has views for other methods); ids past MAX_ID are refused as missing by ``auth._ids_in_range``.
ID = "int"
MAX_ID = 2_147_483_647

bp = Blueprint("api", __name__, url_prefix=PREFIX)

#: strict: only views decorated by ``spec.validate`` are documented, so no staff page leaks into the document.
spec = SpecTree(
    "flask", mode="strict", title="caseportal API", version="1.0.0", path="api/v1/docs",
    description="Roles, the case catalogue, meetings, invitations and where each candidate's work stands.",
    validation_error_model=Problem,
    # Plain model names (SpecTree adds a module hash by default): they become the names in generated clients.
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[{"name": "bearer", "data": {"type": "http", "scheme": "bearer"}}],
    security={"bearer": []},
)
