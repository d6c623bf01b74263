"""Language choice: the visitor's explicit choice (cookie), else the browser's Accept-Language."""

from __future__ import annotations

from flask import request

LANGUAGES = ("en", "sv")


def select_locale() -> str:
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"
