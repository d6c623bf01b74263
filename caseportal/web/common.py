"""What every blueprint repeats, written once: the current staff user, form-or-400, load-or-404 and
commit-or-re-render.

Views stay a straight line (load, check, call a service, answer); the try / commit / rollback dance around a
service call and the "stale button form is a bad request" rule live here, so no audience copies them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import Field, ValidationError

from caseportal.current import db
from caseportal.models import User
from caseportal.services.errors import DomainError

T = TypeVar("T")
M = TypeVar("M")


def user() -> User:
    """The logged-in staff member as the model object (not Flask-Login's proxy), for services."""
    return current_user._get_current_object()  # type: ignore[no-any-return]  # werkzeug's LocalProxy is untyped


def form_or_400(form: FlaskForm) -> FlaskForm:
    """Button forms carry nothing to correct: a failed validation (a stale CSRF token) is a bad request."""
    if not form.validate_on_submit():
        abort(400)
    return form


def load_or_404(model: type[M], ident: int, allowed: Callable[[M], bool] | None = None,
                session: Session | None = None) -> M:
    """The object with this id, or 404 when it is missing or the visitor may not see it (never 403: a visitor
    must not learn what exists outside their reach)."""
    obj = (session or db()).get(model, ident)
    if obj is None or (allowed is not None and not allowed(obj)):
        abort(404)
    return obj


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The result of :func:`commit_or_error`: the service's value, or the domain error's message and status."""

    value: T | None = None
    error: str = ""
    status: int = 200

    @property
    def ok(self) -> bool:
        return not self.error


def commit_or_error(action: Callable[[], T]) -> Outcome[T]:
    """Run a service call and commit; on a domain error roll back and hand its message to the view, which
    re-renders its page with the visitor's input and the message (nothing typed is lost)."""
    session = db()
    try:
        value = action()
        session.commit()
    except DomainError as err:
        session.rollback()
        return Outcome(error=err.message, status=err.status_code)
    return Outcome(value=value)


def one_line(_form: FlaskForm, field: Field) -> None:
    """A WTForms validator for values that can reach a mail header or a file name (titles, names, e-mails,
    places): line breaks and other control characters are refused at the form with a message, so a value can
    never split a header or make sending answer 500."""
    value = field.data if isinstance(field.data, str) else ""
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise ValidationError(_l("Please write this on one line, without line breaks or control characters."))
