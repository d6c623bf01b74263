"""Accessors for the per-app objects, so views and templates need no globals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from .casebook import Library
    from .config import Settings
    from .db import Database
    from .jobs import Queue


def settings() -> Settings:
    return current_app.extensions["caseportal.settings"]


def database() -> Database:
    return current_app.extensions["caseportal.db"]


def db() -> Session:
    """The request's session."""
    return current_app.extensions["caseportal.db"].session()


def casebook() -> Library:
    return current_app.extensions["caseportal.casebook"]


def queue() -> Queue:
    return current_app.extensions["caseportal.queue"]
