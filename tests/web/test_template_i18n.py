"""Template translations through caseportal.web.template_i18n: right language per request and under force_locale,
and WTForms' catalogue read from disk once per language rather than once per request."""

from __future__ import annotations

from typing import Any

import pytest
from babel import support
from flask import Flask, render_template_string
from flask_babel import force_locale

from caseportal.web import template_i18n
from caseportal.web.auth.forms import LoginForm


def test_each_request_and_each_forced_locale_gets_its_own_language(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("lang", "sv")
    assert "Logga in" in client.get("/login").get_data(as_text=True)
    client.set_cookie("lang", "en")
    html = client.get("/login").get_data(as_text=True)
    assert "Log in" in html and "Logga in" not in html, "the next request is in its own language at once"

    # a fresh app context per request context, as in production (the fixture's own context holds another `g`)
    with app.app_context(), app.test_request_context("/", headers={"Cookie": "lang=sv"}):
        before = render_template_string("{{ _('Log in') }}")
        with force_locale("en"):
            forced = render_template_string("{{ _('Log in') }}")
        after = render_template_string("{{ _('Log in') }}")
    assert (before, forced, after) == ("Logga in", "Log in", "Logga in")


def test_wtforms_catalogue_is_loaded_once_per_language(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    real = support.Translations.load

    def counting(dirname: str, locales: list[Any], domain: str) -> support.NullTranslations:
        loads.append(f"{domain}:{locales[0]}")
        return real(dirname, locales, domain)

    monkeypatch.setattr(support.Translations, "load", counting)
    template_i18n._wtforms_catalogue.cache_clear()
    for lang in ("sv", "sv", "en", "sv"):
        with app.app_context(), app.test_request_context("/login", method="POST",
                                                         data={"email": "", "password": ""},
                                                         headers={"Cookie": f"lang={lang}"}):
            app.preprocess_request()
            form = LoginForm()
            assert not form.validate()
            assert form.email.errors, "WTForms' own validator messages still come through"
    # At most once per language; form_messages answers WTForms' known messages itself (issue 18), so often never.
    wtforms = [x for x in loads if x.startswith("wtforms")]
    assert len(wtforms) == len(set(wtforms))
