"""Translations in templates without Flask-Babel's per-string look-ups, and WTForms' catalogue read once.

Flask-Babel's Jinja callables find the request's domain, locale and catalogue again for every ``_()`` in a
template (three context-local look-ups and a cache key each); the reviewer's page has a few hundred strings, and
that search was a fifth of its CPU. Here the catalogue is looked up once and kept on the request's Babel state,
tagged with the locale and domain objects it was found for: ``force_locale`` (which swaps the locale object and
puts it back) therefore gets its own catalogue at once, and nothing outlives the request.

Flask-WTF reads WTForms' own catalogue (its validator messages) from disk in every request that builds a form,
almost a millisecond each time; those files come with the installed package and never change while the process
runs, so one copy per language is kept for the process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import support
from flask import Flask, g, request
from flask_babel import get_locale, get_translations
from wtforms.i18n import messages_path

_KEY = "_caseportal_translations"


def translations() -> Any:
    """The request's catalogue (babel.support.Translations), as flask_babel.get_translations() would return it."""
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if state is None or locale is None:  # the locale is not chosen yet: Flask-Babel chooses (and remembers) it
        return get_translations()
    domain = getattr(state, "babel_domain", None)
    kept = getattr(state, _KEY, None)
    if kept is not None and kept[0] is locale and kept[1] is domain:
        return kept[2]
    found = get_translations()
    setattr(state, _KEY, (locale, domain, found))
    return found


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale: str) -> Any:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class WtformsTranslations:
    """What Flask-WTF would load for the request (WTForms' catalogue in the visitor's language), from memory."""

    def ugettext(self, string: str) -> str:
        text: str = _wtforms_catalogue(str(get_locale())).ugettext(string)
        return text

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        text: str = _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)
        return text


_WTFORMS = WtformsTranslations()


def _share_wtforms_catalogue() -> None:
    # Flask-WTF's i18n looks for this request attribute before it loads the catalogue from disk.
    request.wtforms_translations = _WTFORMS  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Replace the gettext callables Flask-Babel installed in Jinja (same signatures, newstyle as before), and
    hand Flask-WTF the process's copy of WTForms' catalogue."""
    app.before_request(_share_wtforms_catalogue)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
