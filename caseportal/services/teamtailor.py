"""The Teamtailor Partner contract: ``POST /webhook`` (a pipeline trigger fired), ``GET /config`` (the trigger's
form: which case) and ``GET /activation`` (a customer switched the integration on); results go back to the
partner result's ``update-url`` (``partners.callback``).

Teamtailor sends ``Authorization: Bearer <provider key>``; the key is the customer's connection. The partner
result id is Teamtailor's id for the request, so a repeated webhook returns the first answer and creates nothing.
Errors use JSON:API's ``{"errors": [{"status", "title", "detail", "source": {"pointer"}}]}``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from caseportal.casebook import Library
from caseportal.config import Settings
from caseportal.models import PartnerConnection

from . import partners
from .errors import Invalid, NotFound


class ContractError(Exception):
    """A refused request: the status, a title and the JSON pointer of the field at fault."""

    def __init__(self, status: int, title: str, pointer: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.pointer = status, title, pointer

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"status": str(self.status), "title": self.title}
        if self.pointer:
            error["source"] = {"pointer": self.pointer}
        return {"errors": [error]}


def _get(doc: Any, path: str) -> Any:
    for part in path.strip("/").split("/"):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _text(event: dict[str, Any], path: str, required: bool = True) -> str:
    value = _get(event, path)
    if value is None and not required:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ContractError(422, f"{path.strip('/').split('/')[-1]} is missing or not a string",
                            f"/partner-event{path}")
    return value.strip()


#: Field names from ``partners.open_test`` -> where they sit in Teamtailor's payload.
POINTERS = {"email": "/partner-event/candidate/email", "first_name": "/partner-event/candidate/first-name",
            "url": "/partner-event/partner-result/update-url"}


def webhook(session: Session, settings: Settings, library: Library, conn: PartnerConnection,
            body: Any) -> tuple[int, dict[str, Any]]:
    """A trigger fired: create (once) the meeting and invitation for the candidate and the chosen case."""
    event = body.get("partner-event", body) if isinstance(body, dict) else None
    if not isinstance(event, dict):
        raise ContractError(400, "the body must be a JSON object")
    result_id = _text(event, "/partner-result/id")
    update_url = _text(event, "/partner-result/update-url")
    if not update_url.startswith(("https://", "http://")):
        raise ContractError(422, "update-url must be an http(s) URL", "/partner-event/partner-result/update-url")
    test = _text(event, "/webhook-data/test", required=len(conn.cases) != 1) or conn.cases[0]
    candidate = partners.Candidate(_text(event, "/candidate/first-name", False),
                                   _text(event, "/candidate/last-name", False), _text(event, "/candidate/email"))
    try:
        link, created = partners.open_test(session, settings, library, conn, result_id, test, candidate,
                                           update_url)
    except NotFound:
        raise ContractError(422, f"unknown test: {test}", "/partner-event/webhook-data/test") from None
    except Invalid as err:
        raise ContractError(422, f"{err.message} is not valid", POINTERS.get(err.message, "")) from None
    return (201 if created else 200), {"data": {"id": link.public_id, "type": "assessments",
                                                "attributes": {"partner-result-id": result_id}}}


def config(conn: PartnerConnection, library: Library) -> dict[str, Any]:
    """The trigger's form in Teamtailor: one select with the cases this connection offers."""
    options = [{"label": case.title, "value": slug} for slug in conn.cases if (case := library.get(slug))]
    return {"fields": [{"id": "test", "type": "select", "label": "Case", "required": True, "options": options}]}


def activation(conn: PartnerConnection) -> dict[str, Any]:
    return {"status": "active", "name": conn.name}
