"""The ATS partners' blueprint: machine-to-machine, authenticated by the customer's key, so CSRF-exempt."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")
