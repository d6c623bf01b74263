"""The review blueprint object alone, so every feature module can register on it without importing another."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
