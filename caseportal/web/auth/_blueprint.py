"""The staff's blueprint: login, logout and the admins' staff pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
