"""The Greenhouse Assessment Partner contract: ``list_tests``, ``send_test``, ``test_status``, ``response_error``.

Greenhouse authenticates with HTTP Basic (the customer's key as the user name, an empty password), sends a test
with the candidate and a ``url`` unique to this candidate's test, and learns of progress by a bodyless ``PATCH``
to that ``url`` followed by its own ``test_status`` call. The ``url`` is Greenhouse's id for the request, so a
repeated ``send_test`` with the same ``url`` returns the first ``partner_interview_id`` and creates nothing.
Errors are JSON ``{"error": "<message>"}`` with a 4xx status, as the contract asks.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy.orm import Session

from caseportal.casebook import Library
from caseportal.config import Settings
from caseportal.models import PartnerConnection

from . import partners
from .errors import Invalid, NotFound

log = logging.getLogger("caseportal.partners")


class ContractError(Exception):
    """A request the contract refuses: the HTTP status and the message for the ``error`` field."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def error_body(message: str) -> dict[str, str]:
    return {"error": message}


def list_tests(conn: PartnerConnection, library: Library) -> list[dict[str, str]]:
    tests = []
    for slug in conn.cases:
        case = library.get(slug)
        if case is not None:
            tests.append({"partner_test_id": slug, "partner_test_name": case.title})
    return tests


def _text(doc: dict[str, Any], name: str, required: bool = True) -> str:
    value = doc.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ContractError(422, f"{name} is missing or not a string")
    return value.strip()


def send_test(session: Session, settings: Settings, library: Library, conn: PartnerConnection,
              body: Any) -> tuple[int, dict[str, str]]:
    """Create (once) the meeting and invitation, mail the candidate; (status, {"partner_interview_id"})."""
    if not isinstance(body, dict):
        raise ContractError(400, "the body must be a JSON object")
    test_id = _text(body, "partner_test_id")
    url = _text(body, "url")
    if not url.startswith(("https://", "http://")):
        raise ContractError(422, "url must be an http(s) URL")
    # The documented body nests the candidate; a flat body (fields beside partner_test_id) is accepted too.
    nested = body.get("candidate")
    who: dict[str, Any] = nested if isinstance(nested, dict) else body
    candidate = partners.Candidate(_text(who, "first_name", False), _text(who, "last_name", False),
                                   _text(who, "email"))
    try:
        link, created = partners.open_test(session, settings, library, conn, hashlib.sha256(url.encode()).hexdigest(),
                                           test_id, candidate, url)
    except NotFound:
        raise ContractError(404, f"unknown partner_test_id: {test_id}") from None
    except Invalid as err:
        raise ContractError(422, f"{err.message} is not valid") from None
    return (200, {"partner_interview_id": link.public_id})


def test_status(session: Session, settings: Settings, library: Library, conn: PartnerConnection,
                partner_interview_id: str) -> dict[str, Any]:
    """The documented shape: partner_status ("complete" once handed in), partner_profile_url (a staff link),
    partner_score when a full run exists, and flat metadata (strings only)."""
    link = partners.link_by_public_id(session, conn, partner_interview_id)
    if link is None:
        raise ContractError(404, f"unknown partner_interview_id: {partner_interview_id}")
    state = partners.status(session, settings, link)
    case = library.get(state.case_slug)
    metadata = {"Case": case.title if case else state.case_slug,
                "Reviewed": "yes" if state.reviewed else "no"}
    if state.handed_in_at is not None:
        metadata["Handed in"] = state.handed_in_at.strftime("%Y-%m-%d %H:%M UTC")
    doc: dict[str, Any] = {"partner_status": "complete" if state.complete else "incomplete",
                           "partner_profile_url": state.profile_url, "metadata": metadata}
    if state.score is not None:
        doc["partner_score"] = state.score
    return doc


def response_error(conn: PartnerConnection, body: Any) -> dict[str, str]:
    """Greenhouse could not use one of our answers: log it for the operator (nothing to change in the data)."""
    log.warning("Greenhouse (connection %s) reported a response error: %.500s", conn.id, body)
    return {}
