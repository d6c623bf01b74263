"""Teamtailor's partner endpoints: ``Authorization: Bearer <provider key>``, answers in JSON:API's shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from caseportal.current import casebook, db, settings
from caseportal.models import PartnerConnection
from caseportal.services import partners, teamtailor

from ._blueprint import bp


def _handle(action: Callable[[PartnerConnection], tuple[int, Any]]) -> tuple[Response, int]:
    """Authenticate, run, commit; a contract error rolls back and answers with a JSON:API error."""
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header[:7].lower() == "bearer " else ""
    conn = partners.authenticate(db(), "teamtailor", key)
    if conn is None:
        return jsonify(teamtailor.ContractError(401, "invalid provider key").body()), 401
    try:
        status, doc = action(conn)
        db().commit()
    except teamtailor.ContractError as err:
        db().rollback()
        return jsonify(err.body()), err.status
    return jsonify(doc), status


@bp.post("/teamtailor/webhook")
def teamtailor_webhook() -> Any:
    return _handle(lambda conn: teamtailor.webhook(db(), settings(), casebook(), conn,
                                                   request.get_json(silent=True)))


@bp.get("/teamtailor/config")
def teamtailor_config() -> Any:
    return _handle(lambda conn: (200, teamtailor.config(conn, casebook())))


@bp.get("/teamtailor/activation")
def teamtailor_activation() -> Any:
    return _handle(lambda conn: (200, teamtailor.activation(conn)))
