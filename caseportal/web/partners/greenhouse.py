"""Greenhouse's Assessment Partner endpoints: HTTP Basic with the customer's key as the user name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from caseportal.current import casebook, db, settings
from caseportal.models import PartnerConnection
from caseportal.services import greenhouse, partners

from ._blueprint import bp


def _handle(action: Callable[[PartnerConnection], tuple[int, Any]]) -> tuple[Response, int, dict[str, str]]:
    """Authenticate, run, commit; a contract error rolls back and answers in Greenhouse's error shape."""
    auth = request.authorization
    key = auth.username if auth is not None and auth.type == "basic" else ""
    conn = partners.authenticate(db(), "greenhouse", key or "")
    if conn is None:
        return (jsonify(greenhouse.error_body("invalid API key")), 401,
                {"WWW-Authenticate": 'Basic realm="caseportal"'})
    try:
        status, doc = action(conn)
        db().commit()
    except greenhouse.ContractError as err:
        db().rollback()
        return jsonify(greenhouse.error_body(err.message)), err.status, {}
    return jsonify(doc), status, {}


@bp.get("/greenhouse/list_tests")
def greenhouse_list_tests() -> Any:
    return _handle(lambda conn: (200, greenhouse.list_tests(conn, casebook())))


@bp.post("/greenhouse/send_test")
def greenhouse_send_test() -> Any:
    return _handle(lambda conn: greenhouse.send_test(db(), settings(), casebook(), conn,
                                                     request.get_json(silent=True)))


@bp.get("/greenhouse/test_status")
def greenhouse_test_status() -> Any:
    return _handle(lambda conn: (200, greenhouse.test_status(db(), settings(), casebook(), conn,
                                                             request.args.get("partner_interview_id", ""))))


@bp.post("/greenhouse/response_error")
def greenhouse_response_error() -> Any:
    return _handle(lambda conn: (200, greenhouse.response_error(conn, request.get_json(silent=True))))
