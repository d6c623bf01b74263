"""Accessors for the per-app objects, so views and templates need no globals.

Flask keeps them in the untyped ``app.extensions`` dict; the casts here give callers their real types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from .casebook import Library
    from .config import Settings
    from .db import Database
    from .jobs import Queue


def settings() -> Settings:
    return cast("Settings", current_app.extensions["caseportal.settings"])


def database() -> Database:
    return cast("Database", current_app.extensions["caseportal.db"])


def db() -> Session:
    """The request's session."""
    return database().session()


def casebook() -> Library:
    return cast("Library", current_app.extensions["caseportal.casebook"])


def queue() -> Queue:
    return cast("Queue", current_app.extensions["caseportal.queue"])
