"""Finding 4 of the security review: over HTTPS the cookies are Secure, HttpOnly and SameSite=Lax and HSTS is
sent; a proxy's X-Forwarded-Proto counts only when CASEPORTAL_TRUSTED_PROXIES says there is one; pages are never
cached (they may show personal data), static files may be."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from caseportal.config import Settings
from tests.conftest import PASSWORD, Factory, _app, login


def _login_cookies(client: FlaskClient, email: str, **kw: object) -> list[str]:
    resp = client.post("/login", data={"email": email, "password": PASSWORD}, **kw)  # type: ignore[arg-type]
    assert resp.status_code == 302
    return resp.headers.getlist("Set-Cookie")


def test_cookies_over_https_are_secure_httponly_lax_and_hsts_is_sent(app: Flask, factory: Factory) -> None:
    staff = factory.user()
    client = app.test_client()
    cookies = _login_cookies(client, staff.email, base_url="https://portal.example")
    session = [c for c in cookies if c.startswith("session=")]
    assert session, cookies
    attrs = [p.strip() for p in session[0].split(";")]
    assert "Secure" in attrs and "HttpOnly" in attrs and "SameSite=Lax" in attrs
    page = client.get("/meetings", base_url="https://portal.example")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    lang = client.post("/lang/sv", base_url="https://portal.example").headers.getlist("Set-Cookie")
    assert lang and all("Secure" in c for c in lang), lang


def test_plain_http_gets_no_secure_cookie_and_no_hsts(app: Flask, factory: Factory) -> None:
    cookies = _login_cookies(app.test_client(), factory.user().email)
    assert cookies and not [c for c in cookies if "Secure" in c]
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


def test_forwarded_proto_is_ignored_without_a_trusted_proxy(app: Flask, factory: Factory) -> None:
    cookies = _login_cookies(app.test_client(), factory.user().email, headers={"X-Forwarded-Proto": "https"})
    assert not [c for c in cookies if "Secure" in c]


@pytest.fixture()
def proxied_app(settings: Settings) -> Iterator[Flask]:
    yield from _app(replace(settings, trusted_proxies=1), WTF_CSRF_ENABLED=False)


def test_forwarded_proto_counts_behind_a_trusted_proxy(proxied_app: Flask) -> None:
    from caseportal.models import StaffRole
    from caseportal.services import users

    session = proxied_app.extensions["caseportal.db"].session()
    staff = users.create_user(session, email="p@example.org", name="P", role=StaffRole.REVIEWER, password=PASSWORD)
    session.commit()
    client = proxied_app.test_client()
    cookies = _login_cookies(client, staff.email, headers={"X-Forwarded-Proto": "https"})
    assert [c for c in cookies if c.startswith("session=") and "Secure" in c], cookies
    resp = client.get("/meetings", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in resp.headers


def test_pages_are_not_stored_but_static_files_may_be(app: Flask, client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user())
    for url in ("/meetings", "/login"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    token = factory.invite(factory.meeting())
    assert "no-store" in client.get(f"/i/{token}").headers["Cache-Control"]
    static = client.get("/static/" + _a_static_file(app))
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def _a_static_file(app: Flask) -> str:
    import os

    assert app.static_folder
    return sorted(f for f in os.listdir(app.static_folder) if f.endswith(".css"))[0]
