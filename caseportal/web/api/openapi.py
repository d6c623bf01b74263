"""The API's OpenAPI 3.1 document, written by SpecTree from the models that validate the requests."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ._blueprint import bp, spec
from .problems import spec_document

CACHE_KEY = "caseportal.api_openapi"


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    """Public: the document holds no data, and clients generate their code from it."""
    doc = current_app.extensions.get(CACHE_KEY)
    if doc is None:
        doc = current_app.extensions[CACHE_KEY] = spec_document(spec.spec)
    return doc
